# tapegradInstall.cmake — how each library is installed for other projects: its CMake targets
# (find_package(tapegrad COMPONENTS name), cmake/tapegradConfig.cmake.in) and its pkg-config file.
#
#   tapegrad_install_component(NAME DESCRIPTION "..." REQUIRES "pkg-config modules" LIB libname)
#
# Each library has its own export set (tapegrad-NAME-targets.cmake), so a consumer that asks for
# the autograd component loads only that file and needs only that library's dependencies.
function(tapegrad_install_component name)
  cmake_parse_arguments(arg "" "DESCRIPTION;REQUIRES;LIB" "" ${ARGN})
  install(EXPORT tapegrad-${name}-targets NAMESPACE tapegrad::
    DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/tapegrad)

  # The .pc file finds the prefix from where it lies (${pcfiledir}), so the install may move:
  # `cmake --install build --prefix ~/tapegrad` works without reconfiguring.
  set(pc_dir ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
  if(IS_ABSOLUTE ${pc_dir})
    message(FATAL_ERROR "tapegrad: CMAKE_INSTALL_LIBDIR must be relative to the prefix for the "
                        "pkg-config files (it is ${CMAKE_INSTALL_LIBDIR})")
  endif()
  file(RELATIVE_PATH pc_relative_prefix /prefix/${pc_dir} /prefix)
  configure_file(${PROJECT_SOURCE_DIR}/cmake/tapegrad.pc.in
    ${PROJECT_BINARY_DIR}/pkgconfig/tapegrad-${name}.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/pkgconfig/tapegrad-${name}.pc DESTINATION ${pc_dir})
endfunction()
