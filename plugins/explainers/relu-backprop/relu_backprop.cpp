// The backward passes that differ from the gradient only at ReLUs, as a rule map over the core
// propagation engine: a registered rule at "Relu" nodes, the gradient everywhere else (as Captum's
// Deconvolution and GuidedBackprop, which override only ReLU modules).
//  - deconvnet (Zeiler & Fergus 2014): every ReLU passes max(0, signal) whatever its forward
//    input was (rule "deconvnet-relu"); max-pooling routes through its forward switches and
//    convolutions through their flipped filters, which is their gradient.
//  - guided-backprop (Springenberg et al. 2015): every ReLU passes the signal only where its
//    forward input was positive and the signal is positive (rule "guided-relu").
#include <lumen/error.hpp>
#include <lumen/explainer.hpp>
#include <lumen/explainer_info.hpp>
#include <lumen/model.hpp>
#include <lumen/plugin.hpp>
#include <lumen/propagation.hpp>
#include <lumen/registry.hpp>
#include <string>

namespace {

struct Variant {
  std::string name, summary, citation, relu_rule;
};

class ReluBackprop final : public lumen::Explainer {
 public:
  ReluBackprop(Variant variant, const lumen::Registry& registry)
      : variant_(std::move(variant)), registry_(registry) {}

  lumen::ExplainerInfo info() const override {
    return lumen::gradient_info(variant_.name, variant_.summary, variant_.citation);
  }

 protected:
  lumen::Attribution compute(const lumen::ExplainRequest& request,
                             lumen::Context& context) const override {
    lumen::RuleMap rules(lumen::gradient_rule());
    rules.for_op("Relu", registry_.make_rule(variant_.relu_rule, {}));
    lumen::Attribution a;
    a.map = lumen::input_gradient(request.model, request.input, request.targets, context, rules);
    a.components.push_back({"rule", variant_.relu_rule});
    return a;
  }

 private:
  Variant variant_;
  const lumen::Registry& registry_;
};

void fill(lumen::Registrar& registrar) {
  registrar.add_explainer(std::make_shared<ReluBackprop>(
      Variant{"deconvnet",
              "target score sent back with every ReLU rectifying the signal instead of gating "
              "it by its input",
              "M. D. Zeiler, R. Fergus. Visualizing and Understanding Convolutional Networks. "
              "ECCV, 2014.",
              "deconvnet-relu"},
      registrar.registry()));
  registrar.add_explainer(std::make_shared<ReluBackprop>(
      Variant{"guided-backprop",
              "gradient of the target score with every ReLU passing only positive signal where "
              "its input was positive",
              "J. T. Springenberg, A. Dosovitskiy, T. Brox, M. Riedmiller. Striving for "
              "Simplicity: The All Convolutional Net. ICLR Workshop, 2015.",
              "guided-relu"},
      registrar.registry()));
}

}  // namespace

LUMEN_PLUGIN("relu-backprop", "0.1.0", fill)
