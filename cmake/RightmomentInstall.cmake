# Installation in GNUInstallDirs places, as fmt and spdlog do it: the header and librightmoment.so
# (VERSION/SOVERSION from the ABI), the reference host and operator tools, the default configuration
# with its data, a CMake package (RightMoment::sdk, RightMoment::plugin) and a pkg-config file.
# Included after every component, so that it can name their targets. The .deb: RightmomentPackaging.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# The ABI version has one home, the header. SOVERSION is its major ("1.x loads in any 1.y host"), so a
# host that dlopens librightmoment.so.1 never gets a plugin of another major.
file(STRINGS "${PROJECT_SOURCE_DIR}/sdk/include/rightmoment/plugin.h" _rm_abi REGEX "^#define RM_ABI_(MAJOR|MINOR) [0-9]+")
string(REGEX REPLACE ".*RM_ABI_MAJOR ([0-9]+).*" "\\1" RIGHTMOMENT_ABI_MAJOR "${_rm_abi}")
string(REGEX REPLACE ".*RM_ABI_MINOR ([0-9]+).*" "\\1" RIGHTMOMENT_ABI_MINOR "${_rm_abi}")
set_target_properties(rightmoment PROPERTIES VERSION "${RIGHTMOMENT_ABI_MAJOR}.${RIGHTMOMENT_ABI_MINOR}"
                                             SOVERSION "${RIGHTMOMENT_ABI_MAJOR}" EXPORT_NAME plugin)
set(RIGHTMOMENT_PLUGIN_SONAME "librightmoment.so.${RIGHTMOMENT_ABI_MAJOR}")

set(RIGHTMOMENT_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/RightMoment")
set(RIGHTMOMENT_INSTALL_DATADIR "${CMAKE_INSTALL_DATADIR}/rightmoment")

install(DIRECTORY "${PROJECT_SOURCE_DIR}/sdk/include/rightmoment" DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
        FILES_MATCHING PATTERN "*.h" PATTERN "*.hpp")
install(TARGETS rightmoment_sdk rightmoment EXPORT RightMomentTargets
        LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}"
        INCLUDES DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")

# The reference host finds the installed plugin through its RUNPATH (bin/ -> lib/), for any prefix.
file(RELATIVE_PATH _rm_bin_to_lib "/${CMAKE_INSTALL_BINDIR}" "/${CMAKE_INSTALL_LIBDIR}")
set_target_properties(rightmoment-host PROPERTIES INSTALL_RPATH "$ORIGIN/${_rm_bin_to_lib}")
# Every program of a folder under sdk/tools/ is an operator tool: a tool added there (and to
# sdk/CMakeLists.txt) is installed without an edit here.
set(_rm_programs rightmoment-host)
get_property(_rm_sdk_dirs DIRECTORY "${PROJECT_SOURCE_DIR}/sdk" PROPERTY SUBDIRECTORIES)
foreach(_dir IN LISTS _rm_sdk_dirs)
  if(_dir MATCHES "/sdk/tools/")
    get_property(_targets DIRECTORY "${_dir}" PROPERTY BUILDSYSTEM_TARGETS)
    foreach(_target IN LISTS _targets)
      get_target_property(_type ${_target} TYPE)
      if(_type STREQUAL "EXECUTABLE")
        list(APPEND _rm_programs ${_target})
      endif()
    endforeach()
  endif()
endforeach()
install(TARGETS ${_rm_programs} RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")

# Run-time data from config/: the rule catalogue, lexicons, the learned layer's models and the demo
# calls. The language corpus is what the models are trained from, not run-time data.
set(RIGHTMOMENT_DATA_ENTRIES rules lexicons models demo)
foreach(_data IN LISTS RIGHTMOMENT_DATA_ENTRIES)
  install(DIRECTORY "${PROJECT_SOURCE_DIR}/config/${_data}" DESTINATION "${RIGHTMOMENT_INSTALL_DATADIR}" OPTIONAL)
endforeach()
# The documentation, for integrators with the package rather than the source (docs/reference/: the
# formats a host produces and consumes).
install(DIRECTORY "${PROJECT_SOURCE_DIR}/docs/" DESTINATION "${CMAKE_INSTALL_DOCDIR}")
# The installed default configuration is written at install time, so that `cmake --install --prefix`,
# DESTDIR and CPack's staging all get paths that resolve to the installed data (the script says how).
install(CODE "
  set(RIGHTMOMENT_EXAMPLE_CONFIG \"${PROJECT_SOURCE_DIR}/config/rightmoment.example.jsonc\")
  set(RIGHTMOMENT_UNIT_TEMPLATE \"${PROJECT_SOURCE_DIR}/cmake/packaging/rightmoment-host.service.in\")
  set(RIGHTMOMENT_STAGING_DIR \"${PROJECT_BINARY_DIR}/install-staging\")
  set(RIGHTMOMENT_INSTALL_BINDIR \"${CMAKE_INSTALL_BINDIR}\")
  set(RIGHTMOMENT_INSTALL_DATADIR \"${RIGHTMOMENT_INSTALL_DATADIR}\")
  set(RIGHTMOMENT_DATA_ENTRIES \"${RIGHTMOMENT_DATA_ENTRIES}\")
  set(RIGHTMOMENT_INSTALL_DOCDIR \"${CMAKE_INSTALL_DOCDIR}\")
  set(RIGHTMOMENT_INSTALL_SYSCONFDIR \"${CMAKE_INSTALL_SYSCONFDIR}\")
  set(RIGHTMOMENT_INSTALL_LOCALSTATEDIR \"${CMAKE_INSTALL_LOCALSTATEDIR}\")
  include(\"${PROJECT_SOURCE_DIR}/cmake/RightmomentInstallConfig.cmake\")
")

# The CMake package: find_package(RightMoment CONFIG) gives RightMoment::sdk (link it) and
# RightMoment::plugin with RightMoment_PLUGIN_PATH (dlopen it). Relocatable: paths are relative to the
# package's own folder.
install(EXPORT RightMomentTargets NAMESPACE RightMoment:: DESTINATION "${RIGHTMOMENT_INSTALL_CMAKEDIR}")
configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/RightMomentConfig.cmake.in"
                              "${PROJECT_BINARY_DIR}/RightMomentConfig.cmake"
                              INSTALL_DESTINATION "${RIGHTMOMENT_INSTALL_CMAKEDIR}"
                              PATH_VARS CMAKE_INSTALL_LIBDIR RIGHTMOMENT_INSTALL_DATADIR)
write_basic_package_version_file("${PROJECT_BINARY_DIR}/RightMomentConfigVersion.cmake"
                                 VERSION "${PROJECT_VERSION}" COMPATIBILITY SameMajorVersion)
install(FILES "${PROJECT_BINARY_DIR}/RightMomentConfig.cmake" "${PROJECT_BINARY_DIR}/RightMomentConfigVersion.cmake"
        DESTINATION "${RIGHTMOMENT_INSTALL_CMAKEDIR}")

# pkg-config: Cflags for the header, and the plugin's path as a variable (hosts dlopen it, they do not
# link it). The prefix is found from the .pc file's own place, so the file survives --prefix and DESTDIR.
file(RELATIVE_PATH _rm_pc_to_prefix "/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/")
string(REGEX REPLACE "/$" "" _rm_pc_to_prefix "${_rm_pc_to_prefix}")
set(RIGHTMOMENT_PC_LIBS "")
foreach(_lib IN LISTS CMAKE_DL_LIBS)
  string(APPEND RIGHTMOMENT_PC_LIBS " -l${_lib}")
endforeach()
configure_file("${PROJECT_SOURCE_DIR}/cmake/rightmoment.pc.in" "${PROJECT_BINARY_DIR}/rightmoment.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/rightmoment.pc" DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
