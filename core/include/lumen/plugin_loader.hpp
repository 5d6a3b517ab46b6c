#pragma once
#include <cstddef>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "lumen/export.hpp"

namespace lumen {

class Registry;

/// Loads one plugin file into the registry. Throws PluginError naming the file when it cannot be
/// read (missing, a dangling symbolic link or a loop of them, not a regular file), fails
/// shared_library_problem, has no entry point, another ABI version or toolchain, a registration
/// that fails, or a name another plugin already registered. On error nothing of the plugin stays
/// registered.
LUMEN_API void load_plugin(Registry& registry, const std::filesystem::path& file);

/// Why `file`, the whole content of a plugin file, is not a shared library this host can load, or
/// nothing when it may be one. Checks the ELF header (64-bit, this host's byte order and machine,
/// the current version, a shared object) and that the program and section header tables and
/// every segment lie inside the file, so that a truncated or damaged file is refused before
/// dlopen maps it (a mapping past the end of a file crashes the host with SIGBUS). It is no
/// defence against a crafted file: a plugin runs as code of the host anyway. Thread-safe.
LUMEN_API std::optional<std::string> shared_library_problem(std::span<const std::byte> file);

/// The directories searched for plugins: the build's or installation's plugin directory next to
/// liblumen_core.so, then those in LUMEN_PLUGIN_PATH (colon-separated), so that lumen's own
/// plugins are registered first. Never the working directory.
LUMEN_API std::vector<std::filesystem::path> plugin_search_path();

struct PluginFailure {
  std::filesystem::path file;
  std::string reason;
};

/// Loads every liblumen-*.so in the search path. A plugin that registers a name an earlier one
/// registered (or has the file name of an earlier file) is refused, naming both, unless
/// overrides are allowed (Registry::set_allow_override, or LUMEN_ALLOW_OVERRIDE=1 in the
/// environment): then it replaces the earlier items of those names, with a warning. Returns
/// the failures instead of throwing, so one broken plugin does not hide the others: a file that
/// load_plugin refuses, and a directory of LUMEN_PLUGIN_PATH that cannot be listed, each with a
/// reason that names it.
LUMEN_API std::vector<PluginFailure> load_plugins(Registry& registry);

}  // namespace lumen
