# pages_filled.cmake — every page the committed results fill is exactly what they fill it with:
# the thirteen tutorial pages, and every other page of docs/ and the README that cites a
# tutorial's results ("<!-- results: value NN_name/KEY -->"; `pages citing` lists them, for
# `./run pages` too). The same check `./run pages --check` makes after its fresh runs (CI's pages
# stage, twenty minutes in), made here in a second from the committed results alone, so that a
# marker broken by an edit (its comment wrapped across lines, its closing comment lost) or a
# number changed by hand between markers fails `ctest` at once.
#   cmake -DPAGES=build/tools/pages -DSOURCE_DIR=. -P tests/tools/pages_filled.cmake
# (docs/performance.md is filled from its own results by benchmarks/compare_peers.py and checked
# by docs.performance_page.)
if(NOT PAGES OR NOT SOURCE_DIR)
  message(FATAL_ERROR "usage: cmake -DPAGES=<pages tool> -DSOURCE_DIR=<repository> "
                      "-P ${CMAKE_CURRENT_LIST_FILE}")
endif()
set(sources ${SOURCE_DIR}/docs/tutorials/results:${SOURCE_DIR}/docs/img)
file(GLOB pages ${SOURCE_DIR}/docs/tutorials/[0-9][0-9]_*.md)
execute_process(COMMAND ${PAGES} citing ${SOURCE_DIR} RESULT_VARIABLE rc OUTPUT_VARIABLE citing
                ERROR_VARIABLE error)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "pages citing ${SOURCE_DIR} failed: ${error}")
endif()
string(REPLACE "\n" ";" citing "${citing}")
foreach(page IN LISTS citing)
  if(page)
    list(APPEND pages ${SOURCE_DIR}/${page})
  endif()
endforeach()
list(LENGTH pages count)
if(count LESS 14)  # the thirteen tutorial pages and at least the README
  message(FATAL_ERROR "found only ${count} pages with results markers under ${SOURCE_DIR}")
endif()
set(problems "")
foreach(page IN LISTS pages)
  execute_process(COMMAND ${PAGES} check ${page} ${sources} RESULT_VARIABLE rc OUTPUT_VARIABLE out
                  ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    string(APPEND problems "${out}")
  endif()
endforeach()
if(problems)
  message(FATAL_ERROR "pages that are not what their committed results fill them with "
                      "(`./run pages` refills them; a marker must stay whole):\n${problems}")
endif()
message(STATUS "${count} pages are what the committed results fill them with")
