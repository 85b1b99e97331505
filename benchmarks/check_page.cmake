# docs/performance.md is what docs/performance/results.json fills it with: no number on the page
# was typed or edited by hand. Run by CTest (benchmarks/CMakeLists.txt):
#   cmake -DPAGES=.../tools/pages -DPAGE=docs/performance.md -DRESULTS=docs/performance/results.json
#         -DSCRATCH=<a file in the build tree> -P check_page.cmake
# The timings themselves are not re-run: they depend on the machine and its load, and the run
# that made the JSON is named on the page. To change the page's numbers, run compare_peers.py
# with --json and --page (docs/performance.md says how); to change its prose, edit it and refill.
file(COPY_FILE ${PAGE} ${SCRATCH})
execute_process(COMMAND ${PAGES} fill ${SCRATCH} ${RESULTS} RESULT_VARIABLE rc
                OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "pages fill failed on ${PAGE} with ${RESULTS}:\n${out}${err}")
endif()
file(READ ${PAGE} committed)
file(READ ${SCRATCH} filled)
if(NOT committed STREQUAL filled)
  message(FATAL_ERROR
          "${PAGE} is not what ${RESULTS} fills it with: a number between markers was edited by "
          "hand, or the results changed without refilling. Refill it:\n"
          "  build/tools/pages fill docs/performance.md docs/performance/results.json\n"
          "and read the diff.")
endif()
message(STATUS "${PAGE} is what ${RESULTS} fills it with")
