#include <lumen/plugin.hpp>

#include "fixture_explainer.hpp"

namespace {
void fill(lumen::Registrar& r) {
  r.add_explainer(std::make_shared<fixture::Explainer>("fixture-duplicate"));
}
}  // namespace

LUMEN_PLUGIN("fixture-duplicate-a", "1.0", fill)
