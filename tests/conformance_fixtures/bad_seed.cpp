// Breaks "a fixed seed reproduces": its noise comes from std::random_device, not from the
// Context's seeded streams.
#include <lumen/plugin.hpp>
#include <random>

#include "fixture_explainer.hpp"

namespace {

class BadSeed final : public lumen::Explainer {
 public:
  lumen::ExplainerInfo info() const override { return fixture::complete_info("fixture-bad-seed"); }

 protected:
  lumen::Attribution compute(const lumen::ExplainRequest& request,
                             lumen::Context& context) const override {
    lumen::Attribution a;
    a.map = fixture::input_gradient(request, context);
    std::random_device entropy;
    std::mt19937 rng(entropy());
    std::normal_distribution<float> noise(0.0F, 0.1F);
    for (float& v : a.map.values()) v += noise(rng);
    return a;
  }
};

void fill(lumen::Registrar& r) { r.add_explainer(std::make_shared<BadSeed>()); }

}  // namespace

LUMEN_PLUGIN("fixture-bad-seed", "1.0", fill)
