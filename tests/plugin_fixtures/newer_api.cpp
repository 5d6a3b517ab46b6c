// A plugin built against a newer API version of the same ABI: it may call what this lumen lacks.
#include <lumen/plugin.hpp>

namespace {
int never_called(void*, char*, std::size_t) { return 0; }
}  // namespace

extern "C" __attribute__((visibility("default"))) const lumen_plugin_descriptor*
lumen_plugin_entry() {
  static const lumen_plugin_descriptor d{sizeof(lumen_plugin_descriptor),
                                         LUMEN_ABI_VERSION,
                                         "fixture-newer-api",
                                         "1.0",
                                         LUMEN_TOOLCHAIN_TAG,
                                         &never_called,
                                         LUMEN_API_VERSION + 3};
  return &d;
}
