// A third-party plugin that registers a name a built-in plugin registers: grad-cam.
#include <lumen/plugin.hpp>

#include "fixture_explainer.hpp"

namespace {
void fill(lumen::Registrar& r) {
  r.add_explainer(std::make_shared<fixture::Explainer>("grad-cam"));
}
}  // namespace

LUMEN_PLUGIN("fixture-shadow-grad-cam", "1.0", fill)
