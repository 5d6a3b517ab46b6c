// A correct explainer: gradient x input, scaled, optionally absolute. Every check must pass.
#include <cmath>
#include <lumen/plugin.hpp>

#include "fixture_explainer.hpp"

namespace {

class GoodExplainer final : public lumen::Explainer {
 public:
  lumen::ExplainerInfo info() const override {
    auto i = fixture::complete_info("fixture-good-explainer");
    i.params = {lumen::param::real("scale", 1.0, "factor applied to the map").within(0.0, 100.0),
                lumen::param::choice("mode", "signed", {"signed", "absolute"},
                                     "signed map, or its absolute value"),
                lumen::param::integer("power", 1, "exponent of |map|").within(1, 3)};
    return i;
  }

 protected:
  lumen::Attribution compute(const lumen::ExplainRequest& request,
                             lumen::Context& context) const override {
    lumen::Attribution a;
    a.map = fixture::input_gradient(request, context);
    const auto scale = static_cast<float>(request.params.real("scale"));
    const auto power = static_cast<float>(request.params.integer("power"));
    const bool absolute = request.params.text("mode") == "absolute";
    for (std::int64_t i = 0; i < a.map.size(); ++i) {
      const float v = a.map[i] * request.input[i];
      const float magnitude = scale * std::pow(std::fabs(v), power);
      a.map[i] = absolute || v >= 0.0F ? magnitude : -magnitude;
    }
    a.signed_map = !absolute;
    return a;
  }
};

void fill(lumen::Registrar& r) { r.add_explainer(std::make_shared<GoodExplainer>()); }

}  // namespace

LUMEN_PLUGIN("fixture-good-explainer", "1.0", fill)
