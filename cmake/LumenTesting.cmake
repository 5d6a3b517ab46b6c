# lumen_add_test(NAME <name> SOURCES <files...> [LIBRARIES <targets...>])
# A Catch2 test executable linked to the core and the shared test support, registered with CTest
# test by test (discovered when ctest runs, not at build time).
function(lumen_add_test)
  if(NOT LUMEN_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "NAME" "SOURCES;LIBRARIES" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SOURCES})
  target_link_libraries(${ARG_NAME} PRIVATE lumen_test_support lumen::core Catch2::Catch2WithMain
                                            ${ARG_LIBRARIES})
  lumen_warnings(${ARG_NAME})
  set_target_properties(${ARG_NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  catch_discover_tests(${ARG_NAME} DISCOVERY_MODE PRE_TEST TEST_PREFIX "${ARG_NAME}:"
                       PROPERTIES ENVIRONMENT "LUMEN_PLUGIN_PATH=")
  set_property(GLOBAL APPEND PROPERTY LUMEN_TEST_TARGETS ${ARG_NAME})
endfunction()

# Tests load the build's plugins at run time (the registry reads the whole plugin directory), so
# each test depends on every plugin: building one test alone builds what it will load. Called
# once, after every test and plugin target exists.
function(lumen_tests_depend_on_plugins)
  get_property(tests GLOBAL PROPERTY LUMEN_TEST_TARGETS)
  get_property(plugins GLOBAL PROPERTY LUMEN_PLUGIN_TARGETS)
  foreach(test ${tests})
    add_dependencies(${test} ${plugins})
  endforeach()
endfunction()
