#include "lumen/plugin_loader.hpp"

#include <spdlog/spdlog.h>
#include <algorithm>
#include <boost/dll/runtime_symbol_info.hpp>
#include <boost/dll/shared_library.hpp>
#include <cstddef>
#include <cstdlib>
#include <set>
#include <sstream>

#include "lumen/error.hpp"
#include "lumen/log.hpp"
#include "lumen/plugin.hpp"

namespace lumen {

namespace fs = std::filesystem;

void load_plugin(Registry& registry, const fs::path& file) {
  const std::string where = file.string();
  if (!fs::is_regular_file(file)) throw PluginError(where + ": no such plugin file");
  auto library = std::make_shared<boost::dll::shared_library>();
  try {
    library->load(boost::dll::fs::path(file.string()), boost::dll::load_mode::default_mode);
  } catch (const std::exception& e) {
    throw PluginError(where + ": cannot be loaded: " + e.what());
  }
  if (!library->has("lumen_plugin_entry")) {
    throw PluginError(where + ": has no 'lumen_plugin_entry' symbol; it is not a lumen plugin");
  }
  const auto entry = library->get<const lumen_plugin_descriptor*()>("lumen_plugin_entry");
  const lumen_plugin_descriptor* d = entry();
  constexpr auto needed = offsetof(lumen_plugin_descriptor, register_items) + sizeof(void*);
  if (d == nullptr || d->size < needed) {
    throw PluginError(where + ": its plugin descriptor is missing or too short");
  }
  if (d->abi_version != LUMEN_ABI_VERSION) {
    throw PluginError(where + ": built against lumen plugin ABI version " +
                      std::to_string(d->abi_version) + ", but this lumen has ABI version " +
                      std::to_string(LUMEN_ABI_VERSION) + "; rebuild the plugin against this SDK");
  }
  const std::string toolchain = d->toolchain ? d->toolchain : "";
  if (toolchain != LUMEN_TOOLCHAIN_TAG) {
    throw PluginError(where + ": built with toolchain '" + toolchain +
                      "', but lumen was built with '" + LUMEN_TOOLCHAIN_TAG +
                      "'; C++ objects cannot cross between them");
  }
  if (d->name == nullptr || *d->name == '\0' || d->register_items == nullptr) {
    throw PluginError(where + ": its descriptor has no name or no register function");
  }
  PluginRecord record{d->name, d->version ? d->version : "", where, {}};
  const auto register_items = d->register_items;
  registry.register_plugin(std::move(record), library, [&](Registrar& registrar) {
    char error[1024] = {0};
    if (register_items(&registrar, error, sizeof error) != 0) throw PluginError(error);
  });
  logger().debug("loaded plugin {}", where);
}

std::vector<fs::path> plugin_search_path() {
  std::vector<fs::path> dirs;
  if (const char* env = std::getenv("LUMEN_PLUGIN_PATH"); env != nullptr) {
    std::stringstream in(env);
    std::string dir;
    while (std::getline(in, dir, ':')) {
      if (!dir.empty()) dirs.emplace_back(dir);  // an empty entry never means the working directory
    }
  }
  // Next to liblumen_core.so: ../plugins in the build tree, lumen/plugins when installed.
  const fs::path libdir = fs::path(boost::dll::this_line_location().string()).parent_path();
  for (const auto& candidate : {libdir / ".." / "plugins", libdir / "lumen" / "plugins"}) {
    std::error_code ec;
    if (fs::is_directory(candidate, ec)) dirs.push_back(fs::weakly_canonical(candidate, ec));
  }
  return dirs;
}

std::vector<PluginFailure> load_plugins(Registry& registry) {
  std::vector<PluginFailure> failures;
  std::set<std::string> seen;
  for (const auto& dir : plugin_search_path()) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
      failures.push_back({dir, "not a directory (from LUMEN_PLUGIN_PATH)"});
      continue;
    }
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      const auto name = e.path().filename().string();
      if (e.is_regular_file() && name.starts_with("liblumen-") && name.ends_with(".so")) {
        files.push_back(e.path());
      }
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      if (!seen.insert(f.filename().string()).second) continue;  // the first directory wins
      try {
        load_plugin(registry, f);
      } catch (const Error& e) {
        failures.push_back({f, e.what()});
      }
    }
  }
  return failures;
}

}  // namespace lumen
