# lumen_plugin_library(<target-variable> NAME <name> KIND <kind> SOURCES <files...>
#                      [LIBRARIES <targets...>])
# The one definition of how a lumen plugin is built, used by lumen's own plugins and, installed
# with the CMake package, by third-party ones: the module liblumen-<kind>-<name>.so, linked to
# lumen::core, compiled as C++20 with hidden visibility and installed to <libdir>/lumen/plugins,
# where liblumen_core.so looks for plugins. Sets <target-variable> to the target's name.
include_guard(GLOBAL)
include(GNUInstallDirs)

function(lumen_plugin_library out_target)
  cmake_parse_arguments(ARG "" "NAME;KIND" "SOURCES;LIBRARIES" ${ARGN})
  if(NOT ARG_NAME OR NOT ARG_KIND OR NOT ARG_SOURCES OR ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "lumen_add_plugin needs NAME, KIND and SOURCES (and optionally "
                        "LIBRARIES); got: ${ARGN}")
  endif()
  foreach(part NAME KIND)
    if(NOT ARG_${part} MATCHES "^[a-z0-9]+(-[a-z0-9]+)*$")
      message(FATAL_ERROR "lumen_add_plugin: ${part} '${ARG_${part}}' must be kebab-case "
                          "(lower-case letters, digits and single dashes)")
    endif()
  endforeach()
  set(target lumen-${ARG_KIND}-${ARG_NAME})
  add_library(${target} MODULE ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE lumen::core ${ARG_LIBRARIES})
  target_compile_features(${target} PRIVATE cxx_std_20)
  # Boost headers would otherwise put GNU-unique symbols into the plugin, which then never unloads.
  target_compile_options(${target} PRIVATE $<$<CXX_COMPILER_ID:GNU>:-fno-gnu-unique>)
  # A class the core does not export shows up here, at link time, instead of at dlopen.
  target_link_options(${target} PRIVATE -Wl,--no-undefined)
  set_target_properties(${target} PROPERTIES
    PREFIX "lib" OUTPUT_NAME ${target}
    CXX_EXTENSIONS OFF CXX_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON
    # Installed plugins find liblumen_core.so two levels up, in <libdir>, from any prefix.
    INSTALL_RPATH "$ORIGIN/../.." INSTALL_RPATH_USE_LINK_PATH ON)
  install(TARGETS ${target} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/lumen/plugins)
  set(${out_target} ${target} PARENT_SCOPE)
endfunction()
