# Shared by the tests that use an installed tapegrad (run.cmake, pkgconfig.cmake,
# tests/docs/snippets.cmake): `run(...)` runs a command and stops the test with its output if it
# fails; including this file installs the built project into ${WORK_DIR}/prefix, afresh.
#   needs: BINARY_DIR (the build tree), WORK_DIR (scratch, emptied first)
macro(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}")
  endif()
endmacro()

file(REMOVE_RECURSE ${WORK_DIR})
run(${CMAKE_COMMAND} --install ${BINARY_DIR} --prefix ${WORK_DIR}/prefix)
