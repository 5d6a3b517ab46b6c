// The pass rule (Zennit's Pass): an element-wise activation hands its upstream relevance to its
// input unchanged. The engine already routes relevance so at activations no rule handles; the
// named rule lets a rule map say it explicitly (e.g. for_kind(activation, pass)).
#include <lumen/layer.hpp>
#include <lumen/plugin.hpp>
#include <lumen/registry.hpp>
#include <lumen/rule.hpp>

namespace {

class PassRule final : public lumen::Rule {
 public:
  std::string name() const override { return "pass"; }
  lumen::Signal signal() const override { return lumen::Signal::relevance; }
  bool applies_to(const lumen::Layer& layer) const override {
    return layer.kind() == lumen::LayerKind::activation;
  }
  // It keeps the total on every layer it applies to, but alone it handles no linear layer, so
  // the conformance suite's whole-model conservation check cannot run it: see docs/rules.md.
  bool conserves() const override { return false; }

  std::vector<lumen::Tensor> propagate(const lumen::RuleInput& in) const override {
    return {in.upstream};
  }
};

void fill(lumen::Registrar& registrar) {
  lumen::RuleInfo info;
  info.name = "pass";
  info.summary = "element-wise activations pass their upstream relevance through unchanged";
  info.signal = lumen::Signal::relevance;
  info.make = [](const lumen::Params&) -> std::shared_ptr<const lumen::Rule> {
    return std::make_shared<PassRule>();
  };
  registrar.add_rule(std::move(info));
}

}  // namespace

LUMEN_PLUGIN("pass", "0.1.0", fill)
