# Every dependency comes from Debian 12 packages; docs/dependencies.md says why each is here.
set(THREADS_PREFER_PTHREAD_FLAG ON)
find_package(Threads REQUIRED)
find_package(Boost 1.74 REQUIRED COMPONENTS system)
find_package(OpenSSL 3 REQUIRED)
find_package(spdlog REQUIRED)
find_package(simdjson REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(PostgreSQL REQUIRED)
# fastText (the learned language layer) ships a pkg-config file, no CMake package, in Debian.
find_package(PkgConfig REQUIRED)
pkg_check_modules(FASTTEXT REQUIRED IMPORTED_TARGET fasttext)

# libphonenumber ships no CMake package in Debian.
find_path(PHONENUMBER_INCLUDE_DIR phonenumbers/phonenumberutil.h REQUIRED)
find_library(PHONENUMBER_LIBRARY phonenumber REQUIRED)
if(NOT TARGET rightmoment_phonenumber)
  add_library(rightmoment_phonenumber INTERFACE)
  target_include_directories(rightmoment_phonenumber SYSTEM INTERFACE ${PHONENUMBER_INCLUDE_DIR})
  target_link_libraries(rightmoment_phonenumber INTERFACE ${PHONENUMBER_LIBRARY})
endif()

if(RIGHTMOMENT_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(RIGHTMOMENT_BUILD_BENCHMARKS)
  find_package(benchmark REQUIRED)
endif()
