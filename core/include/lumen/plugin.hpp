#pragma once
/// The plugin boundary: one C entry point per shared library returning a static descriptor.
/// A plugin defines it with LUMEN_PLUGIN(name, version, register_function), where
/// register_function is `void f(lumen::Registrar&)`.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>

#include "lumen/registry.hpp"

/// Changes whenever a public interface crossing the boundary changes.
#define LUMEN_ABI_VERSION 10U

#define LUMEN_STRINGIFY_INNER(x) #x
#define LUMEN_STRINGIFY(x) LUMEN_STRINGIFY_INNER(x)
/// The C++ standard library and its ABI the code is compiled against; must match the core's.
#define LUMEN_TOOLCHAIN_TAG                                                     \
  "libstdc++-" LUMEN_STRINGIFY(_GLIBCXX_RELEASE) "/cxx11-abi-" LUMEN_STRINGIFY( \
      _GLIBCXX_USE_CXX11_ABI)

extern "C" {
/// Never changes shape except by appending fields; `size` tells which fields exist.
struct lumen_plugin_descriptor {
  std::uint32_t size;
  std::uint32_t abi_version;
  const char* name;
  const char* version;
  const char* toolchain;
  /// Registers the plugin's items into `registrar` (a lumen::Registrar*). Returns 0 on success,
  /// otherwise writes a message into error (capacity bytes, NUL-terminated) and returns non-zero.
  int (*register_items)(void* registrar, char* error, std::size_t capacity);
};
}

namespace lumen::detail {
/// Runs a plugin's registration so that no exception crosses the C boundary.
template <void (*Fill)(Registrar&)>
int register_guarded(void* registrar, char* error, std::size_t capacity) noexcept {
  auto report = [&](const char* what) {
    if (capacity == 0) return;
    std::strncpy(error, what, capacity - 1);
    error[capacity - 1] = '\0';
  };
  try {
    Fill(*static_cast<Registrar*>(registrar));
    return 0;
  } catch (const std::exception& e) {
    report(e.what());
  } catch (...) {
    report("unknown exception");
  }
  return 1;
}
}  // namespace lumen::detail

#define LUMEN_PLUGIN(NAME, VERSION, FILL)                                                      \
  extern "C" __attribute__((visibility("default"))) const lumen_plugin_descriptor*             \
  lumen_plugin_entry() {                                                                       \
    static const lumen_plugin_descriptor descriptor{sizeof(lumen_plugin_descriptor),           \
                                                    LUMEN_ABI_VERSION,                         \
                                                    NAME,                                      \
                                                    VERSION,                                   \
                                                    LUMEN_TOOLCHAIN_TAG,                       \
                                                    &::lumen::detail::register_guarded<FILL>}; \
    return &descriptor;                                                                        \
  }
