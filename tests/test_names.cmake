# test_names.cmake — every Catch2 test case can be run by its name from CTest.
#
# catch_discover_tests turns each TEST_CASE into a CTest entry named after it, and CTest splits
# a name at ';' (its list separator): a test case whose name holds one becomes two entries whose
# filters match nothing, and both "pass" without running a single check. This fails on any
# TEST_CASE name under tests/ that holds a ';'. Run as
#   cmake -DTESTS_DIR=tests -P tests/test_names.cmake
file(GLOB_RECURSE sources ${TESTS_DIR}/*.cpp)
set(count 0)
foreach(f IN LISTS sources)
  file(READ ${f} text)
  # A name with ';' comes out of MATCHALL cut in two, CMake lists being split at ';': its first
  # piece has no closing quote.
  string(REGEX MATCHALL "TEST_CASE\\(\"[^\"\n]*\"?" cases "${text}")
  foreach(c IN LISTS cases)
    math(EXPR count "${count} + 1")
    if(c MATCHES "^TEST_CASE\\(\"[^\"]*$")
      message(SEND_ERROR "${f}: the test case name starting ${c}... holds a ';', so CTest would "
                         "split it and run nothing: write ',' or 'and' instead")
    endif()
  endforeach()
endforeach()
message("${count} test case names checked")
