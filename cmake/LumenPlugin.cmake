# lumen_add_plugin(NAME <name> KIND <kind> SOURCES <files...> [LIBRARIES <targets...>])
# Builds plugins/<kind>/<name> as the module liblumen-<kind>-<name>.so in the build's plugin directory.
function(lumen_add_plugin)
  cmake_parse_arguments(ARG "" "NAME;KIND" "SOURCES;LIBRARIES" ${ARGN})
  if(NOT ARG_NAME OR NOT ARG_KIND OR NOT ARG_SOURCES)
    message(FATAL_ERROR "lumen_add_plugin needs NAME, KIND and SOURCES")
  endif()
  set(target lumen-${ARG_KIND}-${ARG_NAME})
  add_library(${target} MODULE ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE lumen::core ${ARG_LIBRARIES})
  lumen_warnings(${target})
  # -fno-gnu-unique: Boost headers would otherwise make the plugin impossible to unload.
  target_compile_options(${target} PRIVATE -fno-gnu-unique)
  target_link_options(${target} PRIVATE -Wl,--no-undefined)
  set_target_properties(${target} PROPERTIES
    PREFIX "lib" OUTPUT_NAME ${target}
    LIBRARY_OUTPUT_DIRECTORY ${LUMEN_PLUGIN_DIR})
  set_property(GLOBAL APPEND PROPERTY LUMEN_PLUGIN_TARGETS ${target})
  set(LUMEN_LAST_PLUGIN_TARGET ${target} PARENT_SCOPE)
endfunction()
