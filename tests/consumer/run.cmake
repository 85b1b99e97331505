# Installs the built project into a scratch prefix, then configures, builds and runs the
# consumer project against it three times: with the autograd component alone and with nn
# (nlohmann-json and pkg-config hidden from both: neither may need them), and with every
# component, as the README's find_package(tapegrad REQUIRED) does. Run by CTest (see tests/CMakeLists.txt).
include(${CMAKE_CURRENT_LIST_DIR}/install.cmake)

foreach(kind autograd nn all)
  set(options "")
  if(NOT kind STREQUAL "all")
    set(options -DCOMPONENTS=${kind} -DCMAKE_DISABLE_FIND_PACKAGE_nlohmann_json=ON
                -DCMAKE_DISABLE_FIND_PACKAGE_PkgConfig=ON)
  endif()
  run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/consumer -B ${WORK_DIR}/build-${kind}
      -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix -DCMAKE_BUILD_TYPE=Release ${options})
  run(${CMAKE_COMMAND} --build ${WORK_DIR}/build-${kind})
  run(${WORK_DIR}/build-${kind}/consumer)
endforeach()
run(${WORK_DIR}/build-nn/nn_consumer ${WORK_DIR}/build-nn/parameters.json)
execute_process(COMMAND ${WORK_DIR}/build-all/course WORKING_DIRECTORY ${WORK_DIR}/build-all
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the course program failed (${rc}):\n${out}")
endif()
message(STATUS "consumers built against the installed tapegrad (autograd, nn, all three) "
               "and ran correctly:\n${out}")
