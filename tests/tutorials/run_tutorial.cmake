# Runs one tutorial in --quick mode and checks what it drew against the pictures in the docs.
#
#   cmake -DTUTORIAL=<exe> -DNAME=<NN_name> -DOUT=<dir> -DDOCS=<source>/docs/img/tutorials -P ...
#
# Fails when the tutorial exits non-zero (1: a claim did not reproduce; a signal or another status
# says so instead), and when an SVG it writes
# differs from the one committed under docs/img/tutorials/<NN_name>/, or is missing there: the
# docs pages show those files, so they must be what the program draws today.
# To refresh the committed pictures after a deliberate change, run with -DUPDATE=1 (or set the
# environment variable TAPEGRAD_UPDATE_DOCS=1 when running ctest).
# (Only the SVGs at the top of the folder: the charts in its charts/ folder plot curves of the
# full-mode run, which `./run pages --check` compares; a --quick run's curves are shorter.)
file(REMOVE_RECURSE ${OUT})
execute_process(COMMAND ${TUTORIAL} --quick --out ${OUT} RESULT_VARIABLE rc)
# A tutorial exits with 1 when a claim did not reproduce. CMake gives a signal as words instead of
# a number ("Subprocess killed" for SIGKILL, the kernel's out-of-memory killer; "Segmentation
# fault"); any other number is an error. Neither is a verdict, and neither is reported as one.
# (tools/run_full.sh says the same for `./run pages`; tests/tutorials checks both.)
if(rc STREQUAL "1")
  message(FATAL_ERROR "${NAME} --quick exited with 1: a claim did not reproduce (see above)")
elseif(NOT rc MATCHES "^[0-9]+$")
  message(FATAL_ERROR "${NAME} --quick was killed by a signal (${rc}; out of memory? dmesg "
    "tells), so no verdict")
elseif(NOT rc EQUAL 0)
  message(FATAL_ERROR "${NAME} --quick exited with status ${rc}, an error (a claim that does not "
    "reproduce exits with 1), so no verdict (see above)")
endif()
if(DEFINED COMPARE AND NOT COMPARE)  # the sanitizer build: tests/tutorials/CMakeLists.txt
  return()
endif()
if(DEFINED ENV{TAPEGRAD_UPDATE_DOCS})
  set(UPDATE 1)
endif()
file(GLOB drawn RELATIVE ${OUT} ${OUT}/*.svg)
set(stale "")
foreach(svg ${drawn})
  set(committed ${DOCS}/${NAME}/${svg})
  if(UPDATE)
    file(COPY ${OUT}/${svg} DESTINATION ${DOCS}/${NAME})
    continue()
  endif()
  if(NOT EXISTS ${committed})
    list(APPEND stale "${svg} (not in docs)")
    continue()
  endif()
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${OUT}/${svg} ${committed}
                  RESULT_VARIABLE differs)
  if(differs)
    list(APPEND stale ${svg})
  endif()
endforeach()
if(stale)
  message(FATAL_ERROR "${NAME}: docs/img/tutorials/${NAME}/ is not what the tutorial draws now: "
    "${stale}. Rerun with TAPEGRAD_UPDATE_DOCS=1 to refresh, and check the pictures.")
endif()
