# Every program of the repository answers --version with the one version (project() in the top
# CMakeLists.txt), and CHANGELOG.md has a section for it. Run by CTest (tests/CMakeLists.txt):
#   cmake -DVERSION=0.1.0 -DCHANGELOG=.../CHANGELOG.md "-DPROGRAMS=/path/a;/path/b" -P check_version.cmake
set(failures "")
foreach(program IN LISTS PROGRAMS)
  get_filename_component(name ${program} NAME)
  execute_process(COMMAND ${program} --version RESULT_VARIABLE rc OUTPUT_VARIABLE out
                  ERROR_VARIABLE err TIMEOUT 30)
  set(expected "${name} (tapegrad) ${VERSION}\n")
  if(NOT rc EQUAL 0 OR NOT out STREQUAL expected)
    string(APPEND failures "  ${name} --version: exit ${rc}, printed '${out}${err}', "
                           "expected '${expected}'\n")
  endif()
endforeach()
list(LENGTH PROGRAMS count)
if(count LESS 1)
  string(APPEND failures "  no program to check\n")
endif()

file(READ ${CHANGELOG} changelog)
string(REPLACE "." "\\." version_pattern "${VERSION}")
if(NOT changelog MATCHES "\n## \\[?${version_pattern}\\]?[ \n]")
  string(APPEND failures "  CHANGELOG.md has no '## ${VERSION}' section: say what this version "
                         "changed, or set project(... VERSION) back\n")
endif()

if(failures)
  message(FATAL_ERROR "the one version is ${VERSION}:\n${failures}")
endif()
message(STATUS "${count} programs print '(tapegrad) ${VERSION}' for --version; CHANGELOG.md has it")
