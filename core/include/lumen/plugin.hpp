#pragma once
/// The plugin boundary: one C entry point per shared library returning a static descriptor.
/// A plugin defines it with LUMEN_PLUGIN(name, version, register_function), where
/// register_function is `void f(lumen::Registrar&)`.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <type_traits>

#include "lumen/registry.hpp"

/// Changes whenever a public interface crossing the boundary changes incompatibly: a class's
/// layout or its existing virtual functions, a function's signature. Plugins must match it.
///   11: importers override Importer::read(file, ImportOptions); Importer::load is non-virtual.
///       InputSpec::preprocess (a field appended to InputSpec).
#define LUMEN_ABI_VERSION 11U
/// Counts additive changes within one ABI version: a virtual function appended at the end of
/// Registrar, a field appended to the descriptor below, a new exported function or type. A plugin
/// built against API version a loads in every lumen of the same ABI version whose API version is
/// at least a, so adding to the interface no longer makes every plugin rebuild.
///   1: make_clip, make_hard_sigmoid, make_hard_swish (layers.hpp); module_path, resolve_layer,
///      closest_names (layer_names.hpp); imagenet_resize_crop, prepare_imagenet_input,
///      imagenet_mean, imagenet_std (io.hpp).
///   2: make_mul, make_sub (binary_layers.hpp); make_add broadcasts; make_axis_selection
///      (axis_selection.hpp); make_layer_norm, layer_norm_params, make_reduce_mean
///      (normalisation_layers.hpp); make_resize (resize.hpp); make_conv_transpose2d
///      (conv_transpose.hpp); make_div (binary_layers.hpp); make_gelu, make_erf, make_sqrt,
///      make_pow, make_reciprocal, make_exp, make_abs (math_layers.hpp); make_linear applies over
///      the last axis of inputs of rank > 2; check_import_shape (importer.hpp).
#define LUMEN_API_VERSION 2U

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
  /// LUMEN_API_VERSION of the SDK the plugin was built with (absent, so 0, when `size` ends
  /// before it).
  std::uint32_t api_version;
};
}

// The descriptor is read across builds: its fields keep these offsets for good, and new ones go
// after api_version (checked against `size`). `size` and abi_version never move, so any lumen can
// read them and refuse another ABI by name.
static_assert(sizeof(void*) == 8, "lumen plugins are built for 64-bit targets");
static_assert(std::is_standard_layout_v<lumen_plugin_descriptor>);
static_assert(offsetof(lumen_plugin_descriptor, size) == 0);
static_assert(offsetof(lumen_plugin_descriptor, abi_version) == 4);
static_assert(offsetof(lumen_plugin_descriptor, name) == 8);
static_assert(offsetof(lumen_plugin_descriptor, version) == 16);
static_assert(offsetof(lumen_plugin_descriptor, toolchain) == 24);
static_assert(offsetof(lumen_plugin_descriptor, register_items) == 32);
static_assert(offsetof(lumen_plugin_descriptor, api_version) == 40);
static_assert(sizeof(lumen_plugin_descriptor) == 48);

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

#define LUMEN_PLUGIN(NAME, VERSION, FILL)                                                     \
  extern "C" __attribute__((visibility("default"))) const lumen_plugin_descriptor*            \
  lumen_plugin_entry() {                                                                      \
    static const lumen_plugin_descriptor descriptor{sizeof(lumen_plugin_descriptor),          \
                                                    LUMEN_ABI_VERSION,                        \
                                                    NAME,                                     \
                                                    VERSION,                                  \
                                                    LUMEN_TOOLCHAIN_TAG,                      \
                                                    &::lumen::detail::register_guarded<FILL>, \
                                                    LUMEN_API_VERSION};                       \
    return &descriptor;                                                                       \
  }
