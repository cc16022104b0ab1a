# Layers the build enforces (docs/architecture.md, "Who may include whom").
#
# A target's headers are staged as symbolic links under <build>/include/<target>/, at their path
# from the source root, and that folder is the only include path the target gives itself and the
# targets that link it. So a file can include a header of its own target or of a target it links,
# and nothing else: an include that crosses the layers without a link fails to compile ("No such
# file or directory"). The include strings stay "plugin/engine/engine.hpp", as everywhere.
# The stage is rebuilt at every configure, so a header that moved or went away is gone from it.
# Tests, benchmarks and fuzzers are not a layer: tests/CMakeLists.txt gives them the source root.
function(rightmoment_stage_headers target)
  cmake_parse_arguments(H "" "" "HEADERS" ${ARGN})
  set(_stage "${PROJECT_BINARY_DIR}/include/${target}")
  file(REMOVE_RECURSE "${_stage}")
  file(MAKE_DIRECTORY "${_stage}")
  foreach(_header IN LISTS H_HEADERS)
    file(RELATIVE_PATH _relative "${PROJECT_SOURCE_DIR}" "${_header}")
    get_filename_component(_folder "${_stage}/${_relative}" DIRECTORY)
    file(MAKE_DIRECTORY "${_folder}")
    file(CREATE_LINK "${_header}" "${_stage}/${_relative}" SYMBOLIC)
  endforeach()
  target_include_directories(${target} PUBLIC "$<BUILD_INTERFACE:${_stage}>")
endfunction()

# The headers beside the calling CMakeLists.txt (and below it with RECURSE), less those EXCLUDEd
# (a file name), into out_var. CONFIGURE_DEPENDS: a new header re-runs the configure that stages it.
function(rightmoment_headers_here out_var)
  cmake_parse_arguments(H "RECURSE" "" "EXCLUDE" ${ARGN})
  if(H_RECURSE)
    file(GLOB_RECURSE _headers CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/*.hpp" "${CMAKE_CURRENT_SOURCE_DIR}/*.h")
  else()
    file(GLOB _headers CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/*.hpp" "${CMAKE_CURRENT_SOURCE_DIR}/*.h")
  endif()
  foreach(_name IN LISTS H_EXCLUDE)
    list(FILTER _headers EXCLUDE REGEX "/${_name}$")
  endforeach()
  set(${out_var} "${_headers}" PARENT_SCOPE)
endfunction()
