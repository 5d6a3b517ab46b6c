// The ReLU rule of guided backpropagation (Springenberg et al. 2015): the upstream gradient
// passes where the ReLU's forward input was positive AND the upstream gradient is positive.
// A gradient-signal rule for "Relu" nodes only; every other node keeps its gradient.
#include <lumen/layer.hpp>
#include <lumen/plugin.hpp>
#include <lumen/registry.hpp>
#include <lumen/rule.hpp>

namespace {

class GuidedReluRule final : public lumen::Rule {
 public:
  std::string name() const override { return "guided-relu"; }
  lumen::Signal signal() const override { return lumen::Signal::gradient; }
  bool applies_to(const lumen::Layer& layer) const override { return layer.op_type() == "Relu"; }

  std::vector<lumen::Tensor> propagate(const lumen::RuleInput& in) const override {
    const lumen::Tensor& x = *in.inputs[0];
    lumen::Tensor g(x.shape());
    for (std::int64_t i = 0; i < g.size(); ++i) {
      const float u = in.upstream[i];
      g[i] = x[i] > 0.0F && u > 0.0F ? u : 0.0F;
    }
    return {std::move(g)};
  }
};

void fill(lumen::Registrar& registrar) {
  lumen::RuleInfo info;
  info.name = "guided-relu";
  info.summary =
      "guided backpropagation at ReLU: the upstream gradient where both the forward input and "
      "the upstream gradient are positive, else 0";
  info.signal = lumen::Signal::gradient;
  info.make = [](const lumen::Params&) -> std::shared_ptr<const lumen::Rule> {
    return std::make_shared<GuidedReluRule>();
  };
  registrar.add_rule(std::move(info));
}

}  // namespace

LUMEN_PLUGIN("guided-relu", "0.1.0", fill)
