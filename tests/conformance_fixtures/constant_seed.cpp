// Breaks "a stochastic method's map depends on the seed": it adds noise like SmoothGrad, but draws
// it from a generator with a constant seed instead of the Context's streams, so every seed gives
// the same map. Every other check passes: the map is reproducible, and batch, thread and
// concurrency independent.
#include <lumen/plugin.hpp>
#include <random>

#include "fixture_explainer.hpp"

namespace {

class ConstantSeed final : public lumen::Explainer {
 public:
  lumen::ExplainerInfo info() const override {
    auto i = fixture::complete_info("fixture-constant-seed");
    i.stochastic = true;
    return i;
  }

 protected:
  lumen::Attribution compute(const lumen::ExplainRequest& request,
                             lumen::Context& context) const override {
    lumen::Attribution a;
    a.map = fixture::input_gradient(request, context);
    const std::int64_t per_sample = a.map.size() / a.map.dim(0);
    for (std::int64_t s = 0; s < a.map.dim(0); ++s) {
      std::mt19937_64 rng(12345);
      std::normal_distribution<float> noise(0.0F, 0.1F);
      for (std::int64_t i = 0; i < per_sample; ++i) a.map[s * per_sample + i] += noise(rng);
    }
    return a;
  }
};

void fill(lumen::Registrar& r) { r.add_explainer(std::make_shared<ConstantSeed>()); }

}  // namespace

LUMEN_PLUGIN("fixture-constant-seed", "1.0", fill)
