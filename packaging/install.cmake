# Run by `cmake --install` (install(SCRIPT) at the end of CMakeLists.txt),
# after the binary is installed, so CMAKE_INSTALL_PREFIX is the --prefix /
# `make install PREFIX=` given then, not the one configured. DESTDIR is
# honoured. Installs:
#   PREFIX/lib/systemd/system/wharf.service   paths rewritten for PREFIX
#   SYSCONF/wharf/wharf.yaml                  sample config, only if absent
#   PREFIX/share/doc/wharf/wharf.yaml.sample  sample config, always
#   PREFIX/share/bash-completion/completions/wharf
# where SYSCONF is /etc for PREFIX /usr and PREFIX/etc otherwise. The sample
# config and the completion come from the installed binary (the config table
# and the command tables), so they always match it.
set(_src "${CMAKE_CURRENT_LIST_DIR}")
set(_prefix "${CMAKE_INSTALL_PREFIX}")
if(_prefix STREQUAL "/usr")
  set(_sysconf "/etc")
else()
  set(_sysconf "${_prefix}/etc")
endif()
set(_root "$ENV{DESTDIR}")
set(_bin "${_root}${_prefix}/bin/wharf")

file(READ "${_src}/wharf.service" _unit)
string(REPLACE "/usr/bin/wharf" "${_prefix}/bin/wharf" _unit "${_unit}")
string(REPLACE "/usr/share/doc/wharf" "${_prefix}/share/doc/wharf" _unit "${_unit}")
string(REPLACE "/etc/wharf/wharf.yaml" "${_sysconf}/wharf/wharf.yaml" _unit "${_unit}")
set(_unitfile "${_root}${_prefix}/lib/systemd/system/wharf.service")
message(STATUS "Installing: ${_unitfile}")
file(WRITE "${_unitfile}" "${_unit}")

execute_process(COMMAND "${_bin}" serve --sample-config
                OUTPUT_VARIABLE _sample RESULT_VARIABLE _rc)
if(NOT _rc EQUAL 0)
  message(FATAL_ERROR "${_bin} serve --sample-config failed (${_rc})")
endif()
set(_doc "${_root}${_prefix}/share/doc/wharf/wharf.yaml.sample")
message(STATUS "Installing: ${_doc}")
file(WRITE "${_doc}" "${_sample}")
set(_conf "${_root}${_sysconf}/wharf/wharf.yaml")
if(EXISTS "${_conf}")
  message(STATUS "Keeping: ${_conf} (the new sample is ${_doc})")
else()
  message(STATUS "Installing: ${_conf}")
  file(WRITE "${_conf}" "${_sample}")
endif()

execute_process(COMMAND "${_bin}" completion bash
                OUTPUT_VARIABLE _compl RESULT_VARIABLE _rc)
if(_rc EQUAL 0)
  set(_cf "${_root}${_prefix}/share/bash-completion/completions/wharf")
  message(STATUS "Installing: ${_cf}")
  file(WRITE "${_cf}" "${_compl}")
endif()
