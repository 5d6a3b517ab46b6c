// Input x Gradient (Shrikumar et al. 2016): x times the gradient of the target logit with respect
// to x, element by element (Captum's InputXGradient).
#include <lumen/explainer.hpp>
#include <lumen/explainer_info.hpp>
#include <lumen/model.hpp>
#include <lumen/plugin.hpp>
#include <lumen/propagation.hpp>

namespace {

class InputXGradient final : public lumen::Explainer {
 public:
  lumen::ExplainerInfo info() const override {
    return lumen::gradient_info(
        "input-x-gradient", "each input value times the gradient of the target class score at it",
        "A. Shrikumar, P. Greenside, A. Shcherbina, A. Kundaje. Not Just a Black Box: Learning "
        "Important Features Through Propagating Activation Differences. arXiv:1605.01713, 2016.");
  }

 protected:
  lumen::Attribution compute(const lumen::ExplainRequest& request,
                             lumen::Context& context) const override {
    lumen::Attribution a;
    a.map = lumen::input_gradient(request.model, request.input, request.targets, context);
    for (std::int64_t i = 0; i < a.map.size(); ++i) a.map[i] *= request.input[i];
    return a;
  }
};

void fill(lumen::Registrar& registrar) {
  registrar.add_explainer(std::make_shared<InputXGradient>());
}

}  // namespace

LUMEN_PLUGIN("input-x-gradient", "0.1.0", fill)
