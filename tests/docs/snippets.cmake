# docs.snippets_compile: every C++ block of README.md and of docs/**/*.md, compiled against the
# installed package, and every whole program among them run. Which block becomes what (program,
# fragment, continuation, excerpt of the sources) is decided by the rule at the top of
# extract_snippets.cpp; this script installs, extracts, builds once (all the blocks in one
# project, each block its own translation unit) and runs.
#   needs: SOURCE_DIR, BINARY_DIR, WORK_DIR, EXTRACT (the extract_snippets program)
include(${CMAKE_CURRENT_LIST_DIR}/../consumer/install.cmake)

run(${EXTRACT} ${SOURCE_DIR} ${WORK_DIR}/project)
message(STATUS "${out}")
run(${CMAKE_COMMAND} -S ${WORK_DIR}/project -B ${WORK_DIR}/build -G "Unix Makefiles"
    -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix -DCMAKE_BUILD_TYPE=Release)
# (A compiler error names the page and line, through the generated #line directives; make -k
# goes on past the first broken block, so one run lists them all.)
run(${CMAKE_COMMAND} --build ${WORK_DIR}/build -j2 -- -k)

file(STRINGS ${WORK_DIR}/project/programs.txt programs)
foreach(entry IN LISTS programs)
  separate_arguments(entry UNIX_COMMAND "${entry}")
  list(GET entry 0 program)
  list(GET entry 1 where)
  # Each in a directory of its own: programs write files (mlp.json, run.json, pictures).
  file(MAKE_DIRECTORY ${WORK_DIR}/run/${program})
  execute_process(COMMAND ${WORK_DIR}/build/${program} WORKING_DIRECTORY ${WORK_DIR}/run/${program}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out TIMEOUT 120)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "the program at ${where} failed (${rc}):\n${out}")
  endif()
  message(STATUS "ran the program at ${where}")
endforeach()
