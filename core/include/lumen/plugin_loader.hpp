#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "lumen/export.hpp"

namespace lumen {

class Registry;

/// Loads one plugin file into the registry. Throws PluginError naming the file when it has no
/// entry point, another ABI version or toolchain, a registration that fails, or a name another
/// plugin already registered. On error nothing of the plugin stays registered.
LUMEN_API void load_plugin(Registry& registry, const std::filesystem::path& file);

/// The directories searched for plugins: those in LUMEN_PLUGIN_PATH (colon-separated), then the
/// build's or installation's plugin directory next to liblumen_core.so. Never the working
/// directory.
LUMEN_API std::vector<std::filesystem::path> plugin_search_path();

struct PluginFailure {
  std::filesystem::path file;
  std::string reason;
};

/// Loads every liblumen-*.so in the search path (the first file of a given name wins). Returns
/// the failures instead of throwing, so one broken plugin does not hide the others.
LUMEN_API std::vector<PluginFailure> load_plugins(Registry& registry);

}  // namespace lumen
