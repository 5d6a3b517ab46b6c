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
    i.params = {lumen::param::integer("Step-Count", 1, "steps").within(1, 10),
                lumen::param::real("noise", 0.5, "").within(0.0, 1.0),
                lumen::param::choice("palette", "", {}, "colours"),
                lumen::param::integer("window", 3, "window size").within(5, 1),
                lumen::param::real("epsilon", 2.0, "stabiliser").within(0.0, 1.0)};
    return i;
  }

 protected:
  lumen::Attribution compute(const lumen::ExplainRequest& request,
                             lumen::Context& context) const override {
    lumen::Attribution a;
    a.map = fixture::input_gradient(request, context);
    return a;
  }
};

void fill(lumen::Registrar& r) { r.add_explainer(std::make_shared<BadInfo>()); }

}  // namespace

LUMEN_PLUGIN("fixture-bad-info", "1.0", fill)
