// The ReLU rule of DeconvNet (Zeiler & Fergus 2014): the upstream signal is rectified,
// max(0, upstream), whatever the ReLU's forward input was. A gradient-signal rule for "Relu"
// nodes only; every other node keeps its gradient (max-pooling its forward switches,
// convolutions their transposed = flipped filters).
#include <algorithm>
#include <lumen/layer.hpp>
#include <lumen/plugin.hpp>
#include <lumen/registry.hpp>
#include <lumen/rule.hpp>

namespace {

class DeconvnetReluRule final : public lumen::Rule {
 public:
  std::string name() const override { return "deconvnet-relu"; }
  lumen::Signal signal() const override { return lumen::Signal::gradient; }
  bool applies_to(const lumen::Layer& layer) const override { return layer.op_type() == "Relu"; }

  std::vector<lumen::Tensor> propagate(const lumen::RuleInput& in) const override {
    lumen::Tensor g(in.upstream.shape());
    for (std::int64_t i = 0; i < g.size(); ++i) g[i] = std::max(in.upstream[i], 0.0F);
    return {std::move(g)};
  }
};

void fill(lumen::Registrar& registrar) {
  lumen::RuleInfo info;
  info.name = "deconvnet-relu";
  info.summary =
      "DeconvNet at ReLU: the rectified upstream signal max(0, upstream), independent of the "
      "forward input";
  info.signal = lumen::Signal::gradient;
  info.make = [](const lumen::Params&) -> std::shared_ptr<const lumen::Rule> {
    return std::make_shared<DeconvnetReluRule>();
  };
  registrar.add_rule(std::move(info));
}

}  // namespace

LUMEN_PLUGIN("deconvnet-relu", "0.1.0", fill)
