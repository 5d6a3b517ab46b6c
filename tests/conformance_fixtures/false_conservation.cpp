// Breaks "conserves where it declares conservation": an epsilon-like rule that drops a tenth of
// the relevance at every linear layer while its conserves() says true.
#include <lumen/layer.hpp>
#include <lumen/plugin.hpp>
#include <lumen/rule.hpp>

namespace {

class LeakyRule final : public lumen::Rule {
 public:
  std::string name() const override { return "fixture-false-conservation"; }
  lumen::Signal signal() const override { return lumen::Signal::relevance; }
  bool applies_to(const lumen::Layer& layer) const override { return layer.as_linear() != nullptr; }
  bool conserves() const override { return true; }

  std::vector<lumen::Tensor> propagate(const lumen::RuleInput& in) const override {
    const lumen::LinearLayer& layer = *in.node.layer->as_linear();
    const lumen::Tensor& x = *in.inputs[0];
    const lumen::Tensor& z = in.output;
    lumen::Tensor s(z.shape());
    for (std::int64_t i = 0; i < s.size(); ++i) {
      s[i] = 0.9F * in.upstream[i] / (z[i] + (z[i] >= 0.0F ? 1e-6F : -1e-6F));
    }
    lumen::Tensor r = layer.backward_with(s, x.shape(), {}, in.backend);
    for (std::int64_t i = 0; i < r.size(); ++i) r[i] *= x[i];
    return {std::move(r)};
  }
};

void fill(lumen::Registrar& registrar) {
  lumen::RuleInfo info;
  info.name = "fixture-false-conservation";
  info.summary = "claims conservation but keeps only 90% of the relevance at each linear layer";
  info.signal = lumen::Signal::relevance;
  info.make = [](const lumen::Params&) -> std::shared_ptr<const lumen::Rule> {
    return std::make_shared<LeakyRule>();
  };
  registrar.add_rule(std::move(info));
}

}  // namespace

LUMEN_PLUGIN("fixture-false-conservation", "1.0", fill)
