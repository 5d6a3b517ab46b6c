# lumen_add_plugin(NAME <name> KIND <kind> SOURCES <files...> [LIBRARIES <targets...>])
# Builds plugins/<kind>/<name> as the module liblumen-<kind>-<name>.so in the build's plugin
# directory. The build itself is the SDK's lumen_plugin_library, the same one third parties get
# from the installed package; lumen's own plugins add warnings as errors, the build's plugin
# directory and the list of plugin targets the tests depend on.
include(${CMAKE_CURRENT_LIST_DIR}/../sdk/package/LumenPluginLibrary.cmake)

function(lumen_add_plugin)
  lumen_plugin_library(target ${ARGN})
  lumen_warnings(${target})
  # Note [run-time search paths]: an installed target whose search path changes at install gets
  # a build-tree RUNPATH padded with ':' (CMake reserves room to edit it in place), an empty entry
  # the loader reads as the current directory; Ninja cannot relink instead. So lumen's installed
  # targets carry, in both trees, $ORIGIN paths that hold in each: here <libdir>/lumen/plugins
  # (installed) and plugins/ beside lib/ (build tree).
  set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${LUMEN_PLUGIN_DIR}
                        BUILD_WITH_INSTALL_RPATH ON INSTALL_RPATH "$ORIGIN/../..;$ORIGIN/../lib")
  set_property(GLOBAL APPEND PROPERTY LUMEN_PLUGIN_TARGETS ${target})
  set(LUMEN_LAST_PLUGIN_TARGET ${target} PARENT_SCOPE)
endfunction()
