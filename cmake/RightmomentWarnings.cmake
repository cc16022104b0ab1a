# Warnings applied per target, as spdlog does (spdlog_enable_warnings).
function(rightmoment_enable_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic $<$<CXX_COMPILER_ID:GNU>:-Wshadow=local> -Wnon-virtual-dtor
                                           $<$<BOOL:${RIGHTMOMENT_WERROR}>:-Werror>)
endfunction()

# One static library per component folder, from the .cpp files beside this CMakeLists.txt.
# Each is linked privately into librightmoment.so; nothing here is exported.
# With RECURSE, sources in subfolders count too (adapters/: one folder per vendor or backend).
function(rightmoment_component target)
  cmake_parse_arguments(C "RECURSE" "" "" ${ARGN})
  if(C_RECURSE)
    file(GLOB_RECURSE _sources CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/*.cpp")
  else()
    file(GLOB _sources CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/*.cpp")
  endif()
  if(NOT _sources)  # a component still being written: an empty library keeps the build configurable
    set(_sources "${CMAKE_CURRENT_BINARY_DIR}/${target}_empty.cpp")
    file(WRITE "${_sources}" "")
  endif()
  add_library(${target} STATIC ${_sources})
  add_library(rightmoment::${target} ALIAS ${target})
  target_include_directories(${target} PUBLIC "${PROJECT_SOURCE_DIR}")
  rightmoment_enable_warnings(${target})
endfunction()
