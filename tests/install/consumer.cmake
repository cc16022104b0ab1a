# A host outside the RightMoment build: the README's C example against an installed RightMoment,
# found only through CMAKE_PREFIX_PATH, with warnings as errors. install_test.sh copies it to a
# CMakeLists.txt of its own (tests/ adds every CMakeLists.txt below it to the main build).
cmake_minimum_required(VERSION 3.22)
project(rightmoment_consumer LANGUAGES C)

find_package(RightMoment 0.1 CONFIG REQUIRED)

add_executable(readme_example "${EXAMPLE_SOURCE}")
target_link_libraries(readme_example PRIVATE RightMoment::sdk)
set_target_properties(readme_example PROPERTIES C_STANDARD 99 C_STANDARD_REQUIRED ON C_EXTENSIONS OFF)
target_compile_options(readme_example PRIVATE -Wall -Wextra -Wpedantic -Werror)

# What the package tells a host to dlopen, and the imported plugin target's file, for the test to compare.
file(GENERATE OUTPUT "${CMAKE_BINARY_DIR}/plugin_path.txt" CONTENT "${RightMoment_PLUGIN_PATH}\n")
file(GENERATE OUTPUT "${CMAKE_BINARY_DIR}/plugin_target_file.txt" CONTENT "$<TARGET_FILE:RightMoment::plugin>\n")
file(GENERATE OUTPUT "${CMAKE_BINARY_DIR}/data_dir.txt" CONTENT "${RightMoment_DATA_DIR}\n")
