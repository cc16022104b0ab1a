# Runs at install time (install(CODE) in RightmomentInstall.cmake), once the final prefix is known, so
# that `cmake --install --prefix P`, DESTDIR and CPack's staging all get the right paths. From
# config/rightmoment.example.jsonc it writes:
#   DATADIR/rightmoment.jsonc  the default configuration: its data paths stay relative (the data sits
#       beside it); the history store moves to the state folder, since DATADIR is read-only;
#   SYSCONFDIR/rightmoment/rightmoment.jsonc  the operator's copy (a conffile in the .deb): the same,
#       with the data paths made absolute, as relative paths resolve against the file's own folder.
# It also creates the state folder LOCALSTATEDIR/lib/rightmoment and writes the systemd unit of the
# reference host's serve mode.
set(_prefix "${CMAKE_INSTALL_PREFIX}")
string(REGEX REPLACE "(.)/$" "\\1" _prefix "${_prefix}")

# GNUInstallDirs' rule for the two folders that leave the prefix: /usr keeps its configuration in
# /etc and its state in /var, /opt/X in /etc/opt/X and /var/opt/X (GNU Coding Standards, FHS).
function(_rm_system_dir out relative)
  if(IS_ABSOLUTE "${relative}")
    set(_dir "${relative}")
  elseif(_prefix STREQUAL "/" OR _prefix STREQUAL "/usr")
    set(_dir "/${relative}")
  elseif(_prefix MATCHES "^/opt/")
    set(_dir "/${relative}${_prefix}")
  else()
    set(_dir "${_prefix}/${relative}")
  endif()
  set(${out} "${_dir}" PARENT_SCOPE)
endfunction()
_rm_system_dir(_etc "${RIGHTMOMENT_INSTALL_SYSCONFDIR}")
_rm_system_dir(_var "${RIGHTMOMENT_INSTALL_LOCALSTATEDIR}")
set(_data "${_prefix}/${RIGHTMOMENT_INSTALL_DATADIR}")
set(_state "${_var}/lib/rightmoment")
# Debian 12 ships system units in /lib/systemd/system; any other prefix keeps its own.
if(_prefix STREQUAL "/usr")
  set(_unit_dir "/lib/systemd/system")
else()
  set(_unit_dir "${_prefix}/lib/systemd/system")
endif()

file(READ "${RIGHTMOMENT_EXAMPLE_CONFIG}" _text)
set(_store_pattern "(\"store\": *\")sqlite:[^\"]*\"")
if(NOT _text MATCHES "${_store_pattern}")
  message(FATAL_ERROR "${RIGHTMOMENT_EXAMPLE_CONFIG}: no \"store\": \"sqlite:...\" line to point at ${_state}")
endif()
string(REGEX REPLACE "${_store_pattern}" "\\1sqlite:${_state}/rightmoment.db\"" _text "${_text}")
string(REGEX REPLACE "(\"instance_name\": *\")[^\"]*\"" "\\1rightmoment\"" _text "${_text}")
set(_default "// Installed by RightMoment: the example configuration with the history store in ${_state}.\n${_text}")

# The data paths of the example are relative to config/; in the operator's copy they name DATADIR.
set(_operator "${_text}")
foreach(_entry IN LISTS RIGHTMOMENT_DATA_ENTRIES)
  string(REGEX REPLACE "(: *|\\[ *|, *)\"(${_entry}(/[^\"]*)?)\"" "\\1\"${_data}/\\2\"" _operator "${_operator}")
endforeach()
set(_operator "// Installed by RightMoment: the example configuration with its data in ${_data} and the\n// history store in ${_state}. Edit this copy; the pristine default is ${_data}/rightmoment.jsonc.\n${_operator}")

set(_staging "${RIGHTMOMENT_STAGING_DIR}")
file(WRITE "${_staging}/default/rightmoment.jsonc" "${_default}")
file(WRITE "${_staging}/operator/rightmoment.jsonc" "${_operator}")
file(MAKE_DIRECTORY "${_staging}/state/rightmoment")
set(RIGHTMOMENT_HOST "${_prefix}/${RIGHTMOMENT_INSTALL_BINDIR}/rightmoment-host")
set(RIGHTMOMENT_CONFIG "${_etc}/rightmoment/rightmoment.jsonc")
set(RIGHTMOMENT_STATE_DIR "${_state}")
# systemd creates (and hands to the service user) a state folder under /var/lib only.
if(_state STREQUAL "/var/lib/rightmoment")
  set(RIGHTMOMENT_UNIT_STATE_DIRECTORY "StateDirectory=rightmoment\nStateDirectoryMode=0750")
else()
  set(RIGHTMOMENT_UNIT_STATE_DIRECTORY "# ${_state} was made by the install: give it to the service user.")
endif()
set(RIGHTMOMENT_DOC_DIR "${_prefix}/${RIGHTMOMENT_INSTALL_DOCDIR}")
configure_file("${RIGHTMOMENT_UNIT_TEMPLATE}" "${_staging}/unit/rightmoment-host.service" @ONLY)

# file(INSTALL) adds DESTDIR, lists the files in install_manifest.txt and says what it installs.
file(INSTALL DESTINATION "${_data}" TYPE FILE FILES "${_staging}/default/rightmoment.jsonc")
file(INSTALL DESTINATION "${_etc}/rightmoment" TYPE FILE FILES "${_staging}/operator/rightmoment.jsonc")
file(INSTALL DESTINATION "${_var}/lib" TYPE DIRECTORY FILES "${_staging}/state/rightmoment")
file(INSTALL DESTINATION "${_unit_dir}" TYPE FILE FILES "${_staging}/unit/rightmoment-host.service")
