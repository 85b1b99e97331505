# The installed pkg-config files, used as a Makefile would: the consumer programs built with
# plain g++ and nothing but `pkg-config --cflags --libs` (no -std, no library guessed by hand).
# Run by CTest (see tests/CMakeLists.txt); needs CXX (the compiler) and PKG_CONFIG.
include(${CMAKE_CURRENT_LIST_DIR}/install.cmake)

file(GLOB pc_dir LIST_DIRECTORIES true ${WORK_DIR}/prefix/lib*/pkgconfig)
set(ENV{PKG_CONFIG_PATH} "${pc_dir}")
function(build program source)  # build PROGRAM SOURCE PC_MODULE...: g++ SOURCE $(pkg-config ...)
  execute_process(COMMAND ${PKG_CONFIG} --cflags --libs ${ARGN} RESULT_VARIABLE rc
                  OUTPUT_VARIABLE flags ERROR_VARIABLE flags OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "pkg-config --cflags --libs ${ARGN} failed:\n${flags}")
  endif()
  separate_arguments(flags UNIX_COMMAND "${flags}")
  run(${CXX} ${SOURCE_DIR}/tests/consumer/${source} ${flags} -o ${WORK_DIR}/${program})
  message(STATUS "g++ ${source} $(pkg-config --cflags --libs ${ARGN}): ${flags}")
endfunction()
build(consumer main.cpp tapegrad-autograd)
build(nn_consumer nn_main.cpp tapegrad-nn)
build(course course.cpp tapegrad-nn tapegrad-viz)
run(${WORK_DIR}/consumer)
run(${WORK_DIR}/nn_consumer ${WORK_DIR}/parameters.json)
execute_process(COMMAND ${WORK_DIR}/course WORKING_DIRECTORY ${WORK_DIR} RESULT_VARIABLE rc
                OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the course program failed (${rc}):\n${out}")
endif()
message(STATUS "the three programs built with pkg-config alone and ran correctly")
