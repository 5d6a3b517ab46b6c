#include <lumen/plugin.hpp>

#include "fixture_explainer.hpp"

namespace {
void fill(lumen::Registrar& r) {
  r.add_explainer(std::make_shared<fixture::Explainer>("fixture-good"));
}
}  // namespace

LUMEN_PLUGIN("fixture-good", "1.0", fill)
