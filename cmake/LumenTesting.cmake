# lumen_add_test(NAME <name> SOURCES <files...> [LIBRARIES <targets...>]
#                [LABEL <label> | TAG_LABELS <tag>...])
# A Catch2 test executable linked to the core and the shared test support, registered with CTest
# test by test (discovered when ctest runs, not at build time).
# A label selects tests across executables (`ctest -L parsing`): LABEL gives it to every case of
# the executable, TAG_LABELS gives the cases tagged [tag] the label `tag` (a case with two of
# these tags gets the first one's). Each label also names a target, <label>_tests, that builds
# every executable with tests so labelled. The labels in use: `parsing`, the input-parsing
# surface (files read from outside: .npy, images, MSTAR, ONNX); `threaded`, tests of work on
# several threads at once.
function(lumen_add_test)
  if(NOT LUMEN_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "NAME;LABEL" "SOURCES;LIBRARIES;TAG_LABELS" ${ARGN})
  if(ARG_LABEL AND ARG_TAG_LABELS)
    message(FATAL_ERROR "lumen_add_test(${ARG_NAME}): LABEL or TAG_LABELS, not both")
  endif()
  add_executable(${ARG_NAME} ${ARG_SOURCES})
  target_link_libraries(${ARG_NAME} PRIVATE lumen_test_support lumen::core Catch2::Catch2WithMain
                                            ${ARG_LIBRARIES})
  lumen_warnings(${ARG_NAME})
  set_target_properties(${ARG_NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  set(properties ENVIRONMENT "LUMEN_PLUGIN_PATH=")
  # One discovery per tag, each leaving out the cases of the tags before it, then the rest.
  set(earlier "")
  foreach(tag ${ARG_TAG_LABELS})
    catch_discover_tests(${ARG_NAME} DISCOVERY_MODE PRE_TEST TEST_SPEC "[${tag}]${earlier}"
                         TEST_PREFIX "${ARG_NAME}:" PROPERTIES ${properties} LABELS ${tag})
    string(APPEND earlier "~[${tag}]")
  endforeach()
  if(ARG_LABEL)
    list(APPEND properties LABELS ${ARG_LABEL})
  endif()
  catch_discover_tests(${ARG_NAME} DISCOVERY_MODE PRE_TEST TEST_SPEC "${earlier}"
                       TEST_PREFIX "${ARG_NAME}:" PROPERTIES ${properties})
  foreach(label ${ARG_LABEL} ${ARG_TAG_LABELS})
    lumen_label_target(${label} ${ARG_NAME})
  endforeach()
  set_property(GLOBAL APPEND PROPERTY LUMEN_TEST_TARGETS ${ARG_NAME})
endfunction()

# lumen_label_target(<label> <targets...>): the targets join <label>_tests, which builds what the
# tests labelled <label> run.
function(lumen_label_target label)
  if(NOT TARGET ${label}_tests)
    add_custom_target(${label}_tests)
  endif()
  add_dependencies(${label}_tests ${ARGN})
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
