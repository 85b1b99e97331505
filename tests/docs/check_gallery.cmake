# Draws the gallery of docs/graphs.md (viz/examples/viz_gallery.cpp) into OUT and checks that every
# file it writes is the one committed in docs/img/: the pictures a page shows are what the code
# draws today.
#
#   cmake -DGALLERY=<exe> -DOUT=<dir> -DDOCS=<source>/docs/img -P check_gallery.cmake
#
# To refresh the committed pictures after a deliberate change: `./run pictures`.
file(REMOVE_RECURSE ${OUT})
file(MAKE_DIRECTORY ${OUT})
execute_process(COMMAND ${GALLERY} ${OUT} RESULT_VARIABLE rc OUTPUT_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "viz_gallery exited with ${rc}")
endif()
file(GLOB drawn RELATIVE ${OUT} ${OUT}/*)
set(stale "")
foreach(f ${drawn})
  if(NOT EXISTS ${DOCS}/${f})
    list(APPEND stale "${f} (not in docs/img)")
    continue()
  endif()
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${OUT}/${f} ${DOCS}/${f}
                  RESULT_VARIABLE differs)
  if(differs)
    list(APPEND stale ${f})
  endif()
endforeach()
if(stale)
  # The next run starts by removing OUT: keep this run's pictures where it does not look, so that
  # a failure that does not come back (one was seen once, under load) can still be read.
  string(TIMESTAMP when "%Y%m%d-%H%M%S")
  set(kept ${OUT}-failed-${when})
  file(COPY ${OUT}/ DESTINATION ${kept})
  message(FATAL_ERROR "docs/img/ is not what viz_gallery draws now: ${stale}. This run's pictures "
    "are kept in ${kept} (diff them with docs/img/). Run `./run pictures` to refresh, and look at "
    "the pictures before committing them.")
endif()
