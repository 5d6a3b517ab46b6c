// Registers one item, then fails: the loader must refuse it and keep nothing of it.
#include <lumen/plugin.hpp>

#include "fixture_explainer.hpp"

namespace {
void fill(lumen::Registrar& r) {
  r.add_explainer(std::make_shared<fixture::Explainer>("fixture-half-registered"));
  throw lumen::InvalidArgument("the fixture's registration fails on purpose");
}
}  // namespace

LUMEN_PLUGIN("fixture-throwing", "1.0", fill)
