#include "plugin_files.hpp"

#include <dlfcn.h>

#include <cstddef>
#include <fstream>
#include <iterator>
#include <span>

#include "lumen/plugin.hpp"
#include "lumen/plugin_loader.hpp"

namespace lumen::conformance::detail {

std::string descriptor_name(const std::filesystem::path& file) {
  // dlopen maps whatever the ELF headers say and crashes on a truncated file: only a regular file
  // (a FIFO would block) that passes the loader's ELF checks is opened.
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) return "unknown";
  std::ifstream in(file, std::ios::binary);
  if (!in) return "unknown";
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (shared_library_problem(std::as_bytes(std::span(bytes)))) return "unknown";
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
