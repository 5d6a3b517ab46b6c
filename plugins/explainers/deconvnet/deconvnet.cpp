// DeconvNet (Zeiler & Fergus 2014): the target logit's signal sent back with every ReLU passing
// max(0, signal) whatever its forward input was; max-pooling routes through its forward switches
// and convolutions through their flipped filters, which is their gradient. A rule map over the
// core propagation engine: the registered rule "deconvnet-relu" at "Relu" nodes, the gradient
// everywhere else (as Captum's Deconvolution, which overrides only ReLU modules).
#include <lumen/explainer.hpp>
#include <lumen/model.hpp>
#include <lumen/plugin.hpp>
#include <lumen/propagation.hpp>
#include <lumen/registry.hpp>

namespace {

class Deconvnet final : public lumen::Explainer {
 public:
  explicit Deconvnet(const lumen::Registry& registry) : registry_(registry) {}

  lumen::ExplainerInfo info() const override {
    lumen::ExplainerInfo i;
    i.name = "deconvnet";
    i.family = lumen::Family::gradient;
    i.summary =
        "target score sent back with every ReLU rectifying the signal instead of gating it by "
        "its input";
    i.citation =
        "M. D. Zeiler, R. Fergus. Visualizing and Understanding Convolutional Networks. ECCV, "
        "2014.";
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
    rules.for_op("Relu", registry_.make_rule("deconvnet-relu", {}));
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
  registrar.add_explainer(std::make_shared<Deconvnet>(registrar.registry()));
}

}  // namespace

LUMEN_PLUGIN("deconvnet", "0.1.0", fill)
