// Breaks "info complete": no citation, a parameter that is not snake_case, one without help, a
// choice without choices, a range with min > max and a default outside its range.
#include <lumen/plugin.hpp>

#include "fixture_explainer.hpp"

namespace {

class BadInfo final : public lumen::Explainer {
 public:
  lumen::ExplainerInfo info() const override {
    auto i = fixture::complete_info("fixture-bad-info");
    i.citation.clear();
    i.params = {{"Step-Count", lumen::ParamType::integer, "1", "steps", 1, 10, {}},
                {"noise", lumen::ParamType::real, "0.5", "", 0.0, 1.0, {}},
                {"palette", lumen::ParamType::choice, "", "colours", 0, 0, {}},
                {"window", lumen::ParamType::integer, "3", "window size", 5, 1, {}},
                {"epsilon", lumen::ParamType::real, "2", "stabiliser", 0.0, 1.0, {}}};
    return i;
  }

  lumen::Attribution explain(const lumen::ExplainRequest& request,
                             lumen::Context& context) const override {
    lumen::ExplanationMeter meter(context);
    lumen::Attribution a;
    a.map = fixture::input_gradient(request, context);
    meter.finish(a);
    return a;
  }
};

void fill(lumen::Registrar& r) { r.add_explainer(std::make_shared<BadInfo>()); }

}  // namespace

LUMEN_PLUGIN("fixture-bad-info", "1.0", fill)
