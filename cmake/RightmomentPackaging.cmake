# CPack settings, kept in their own file as spdlog keeps spdlogCPack.cmake. `cpack -G DEB` in the build
# folder makes one Debian 12 package of everything `cmake --install` puts (RightmomentInstall.cmake),
# plus the systemd unit's user and state through the maintainer scripts in cmake/packaging/debian/.
# The package installs under /usr, with /etc/rightmoment and /var/lib/rightmoment (the maintainer
# scripts name them); configure with -DCMAKE_INSTALL_PREFIX=/usr for the multiarch library folder.
set(CPACK_GENERATOR "DEB" CACHE STRING "CPack generators")
set(CPACK_PACKAGE_NAME "rightmoment")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_VENDOR "RightMoment")
set(CPACK_PACKAGE_CONTACT "RightMoment maintainers <maintainers@rightmoment.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "agent-assist plugin for contact centres, its SDK and reference host")
set(CPACK_PACKAGE_DESCRIPTION
    "librightmoment.so listens to live interaction events over WebSockets, looks the caller up in\n"
    "their history and prompts the agent during the call. The package holds the plugin, its C ABI\n"
    "header with a CMake package and a pkg-config file, the reference host rightmoment-host with a\n"
    "systemd unit for its serve mode (not enabled on install), the operator tools, and the default\n"
    "configuration, rule catalogue, lexicons and models.")
string(JOIN "" CPACK_PACKAGE_DESCRIPTION ${CPACK_PACKAGE_DESCRIPTION})
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_STRIP_FILES ON)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # rightmoment_0.1.0_amd64.deb
set(CPACK_DEBIAN_PACKAGE_SECTION "net")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
# Depends: dpkg-shlibdeps names the Debian 12 runtime package of every library the .so and the
# programs link (libssl3, libpq5, libsqlite3-0, libphonenumber8, ...), so a new dependency needs no
# edit here; adduser is for the maintainer scripts.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    "${PROJECT_SOURCE_DIR}/cmake/packaging/debian/postinst"
    "${PROJECT_SOURCE_DIR}/cmake/packaging/debian/prerm"
    "${PROJECT_SOURCE_DIR}/cmake/packaging/debian/postrm"
    "${PROJECT_SOURCE_DIR}/cmake/packaging/debian/conffiles"
    "${PROJECT_SOURCE_DIR}/cmake/packaging/debian/triggers")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

include(CPack)
