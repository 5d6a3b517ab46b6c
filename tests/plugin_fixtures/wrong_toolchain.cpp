// A plugin claiming another C++ standard library ABI.
#include <lumen/plugin.hpp>

namespace {
int never_called(void*, char*, std::size_t) { return 0; }
}  // namespace

extern "C" __attribute__((visibility("default"))) const lumen_plugin_descriptor*
lumen_plugin_entry() {
  static const lumen_plugin_descriptor d{
      sizeof(lumen_plugin_descriptor), LUMEN_ABI_VERSION, "fixture-wrong-toolchain", "1.0",
      "libc++-15/other-abi",           &never_called,     LUMEN_API_VERSION};
  return &d;
}
