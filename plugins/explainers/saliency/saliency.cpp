// Saliency (Simonyan et al. 2014): the gradient of the target logit with respect to the input.
// As Captum's Saliency, abs=true (the default) returns its absolute value.
#include <cmath>
#include <lumen/explainer.hpp>
#include <lumen/explainer_info.hpp>
#include <lumen/model.hpp>
#include <lumen/plugin.hpp>
#include <lumen/propagation.hpp>

namespace {

class Saliency final : public lumen::Explainer {
 public:
  lumen::ExplainerInfo info() const override {
    return lumen::gradient_info(
        "saliency", "gradient of the target class score with respect to each input value",
        "K. Simonyan, A. Vedaldi, A. Zisserman. Deep Inside Convolutional Networks: Visualising "
        "Image Classification Models and Saliency Maps. ICLR Workshop, 2014.",
        {lumen::param::flag(
            "abs", true, "return |gradient| (Captum's default) instead of the signed gradient")});
  }

 protected:
  lumen::Attribution compute(const lumen::ExplainRequest& request,
                             lumen::Context& context) const override {
    lumen::Attribution a;
    a.map = lumen::input_gradient(request.model, request.input, request.targets, context);
    if (request.params.boolean("abs")) {
      for (float& v : a.map.values()) v = std::fabs(v);
      a.signed_map = false;
    }
    return a;
  }
};

void fill(lumen::Registrar& registrar) { registrar.add_explainer(std::make_shared<Saliency>()); }

}  // namespace

LUMEN_PLUGIN("saliency", "0.1.0", fill)
