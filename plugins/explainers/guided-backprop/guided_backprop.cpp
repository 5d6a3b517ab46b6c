// Guided backpropagation (Springenberg et al. 2015): the gradient of the target logit, except
// that every ReLU passes the upstream signal only where its forward input was positive and the
// signal is positive. A rule map over the core propagation engine: the registered rule
// "guided-relu" at "Relu" nodes, the gradient everywhere else (as Captum's GuidedBackprop, which
// overrides only ReLU modules).
#include <lumen/explainer.hpp>
#include <lumen/model.hpp>
#include <lumen/plugin.hpp>
#include <lumen/propagation.hpp>
#include <lumen/registry.hpp>

namespace {

class GuidedBackprop final : public lumen::Explainer {
 public:
  explicit GuidedBackprop(const lumen::Registry& registry) : registry_(registry) {}

  lumen::ExplainerInfo info() const override {
    lumen::ExplainerInfo i;
    i.name = "guided-backprop";
    i.family = lumen::Family::gradient;
    i.summary =
        "gradient of the target score with every ReLU passing only positive signal where its "
        "input was positive";
    i.citation =
        "J. T. Springenberg, A. Dosovitskiy, T. Brox, M. Riedmiller. Striving for Simplicity: "
        "The All Convolutional Net. ICLR Workshop, 2015.";
    i.requirements = lumen::requires_gradients;
    i.output = lumen::OutputSpace::input;
    i.signed_output = true;
    return i;
  }

  lumen::Attribution explain(const lumen::ExplainRequest& request,
                             lumen::Context& context) const override {
    lumen::ExplanationMeter meter(context);
    const lumen::NodeId input = request.model.graph().input();
    lumen::RuleMap rules(lumen::gradient_rule());
    rules.for_op("Relu", registry_.make_rule("guided-relu", {}));
    auto run = lumen::propagate_from_targets(request.model, request.input, request.targets, rules,
                                             lumen::StartValue::one, {input}, context);
    lumen::Attribution a;
    a.map = std::move(run.signals.at(input));
    meter.finish(a);
    return a;
  }

 private:
  const lumen::Registry& registry_;
};

void fill(lumen::Registrar& registrar) {
  registrar.add_explainer(std::make_shared<GuidedBackprop>(registrar.registry()));
}

}  // namespace

LUMEN_PLUGIN("guided-backprop", "0.1.0", fill)
