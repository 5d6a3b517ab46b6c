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
endfunction()
