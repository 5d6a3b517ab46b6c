#include "plugin_files.hpp"

#include <dlfcn.h>

#include <cstddef>

#include "lumen/plugin.hpp"

namespace lumen::conformance::detail {

std::string descriptor_name(const std::filesystem::path& file) {
  void* library = dlopen(file.c_str(), RTLD_LAZY | RTLD_LOCAL);
  if (library == nullptr) return "unknown";
  std::string name = "unknown";
  using Entry = const lumen_plugin_descriptor* (*)();
  if (auto entry = reinterpret_cast<Entry>(dlsym(library, "lumen_plugin_entry"))) {
    const lumen_plugin_descriptor* d = entry();
    // Only a descriptor long enough to hold the name field may be read.
    constexpr auto needed = offsetof(lumen_plugin_descriptor, name) + sizeof(const char*);
    if (d != nullptr && d->size >= needed && d->name != nullptr && *d->name != '\0') name = d->name;
  }
  dlclose(library);
  return name;
}

}  // namespace lumen::conformance::detail
