# Warnings applied per target, as spdlog does (spdlog_enable_warnings).
function(rightmoment_enable_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic $<$<CXX_COMPILER_ID:GNU>:-Wshadow=local> -Wnon-virtual-dtor
                                           $<$<BOOL:${RIGHTMOMENT_WERROR}>:-Werror>)
endfunction()

# One static library per component folder, from the .cpp files beside this CMakeLists.txt, whose
# headers (the .hpp files beside them, less EXCLUDE_HEADERS) are its include path
# (cmake/RightmomentLayers.cmake). Each is linked privately into librightmoment.so; nothing here is
# exported. With RECURSE, sources and headers in subfolders count too (adapters/: one folder per
# vendor or backend).
function(rightmoment_component target)
  cmake_parse_arguments(C "RECURSE" "" "EXCLUDE_HEADERS" ${ARGN})
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
  if(C_RECURSE)
    rightmoment_headers_here(_headers RECURSE EXCLUDE ${C_EXCLUDE_HEADERS})
  else()
    rightmoment_headers_here(_headers EXCLUDE ${C_EXCLUDE_HEADERS})
  endif()
  rightmoment_stage_headers(${target} HEADERS ${_headers})
  rightmoment_enable_warnings(${target})
endfunction()
