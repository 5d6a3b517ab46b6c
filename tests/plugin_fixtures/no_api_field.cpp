// A plugin whose descriptor ends before api_version, as one built before that field was appended:
// it loads, read as API version 0.
#include <lumen/plugin.hpp>

#include "fixture_explainer.hpp"

namespace {
void fill(lumen::Registrar& r) {
  r.add_explainer(std::make_shared<fixture::Explainer>("fixture-no-api-field"));
}
}  // namespace

extern "C" __attribute__((visibility("default"))) const lumen_plugin_descriptor*
lumen_plugin_entry() {
  static const lumen_plugin_descriptor d{offsetof(lumen_plugin_descriptor, api_version),
                                         LUMEN_ABI_VERSION,
                                         "fixture-no-api-field",
                                         "1.0",
                                         LUMEN_TOOLCHAIN_TAG,
                                         &::lumen::detail::register_guarded<fill>,
                                         LUMEN_API_VERSION + 99};  // beyond `size`: never read
  return &d;
}
