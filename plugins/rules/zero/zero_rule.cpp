// LRP-0 (Bach et al. 2015): R_i = a_i * sum_j w_ij R_j / z_j with z_j = sum_i a_i w_ij + b_j, the
// layer's own output. Zennit's Epsilon(epsilon=0) divides by z_j = 0 too; here an output with
// z_j = 0 sends nothing back, so the map stays finite.
#include <lumen/layer.hpp>
#include <lumen/plugin.hpp>
#include <lumen/registry.hpp>
#include <lumen/rule.hpp>

namespace {

class ZeroRule final : public lumen::Rule {
 public:
  std::string name() const override { return "zero"; }
  lumen::Signal signal() const override { return lumen::Signal::relevance; }
  bool applies_to(const lumen::Layer& layer) const override { return layer.as_linear() != nullptr; }
  bool conserves() const override { return true; }

  std::vector<lumen::Tensor> propagate(const lumen::RuleInput& in) const override {
    const lumen::LinearLayer& layer = *in.node.layer->as_linear();
    const lumen::Tensor& x = *in.inputs[0];
    const lumen::Tensor& z = in.output;
    lumen::Tensor s(z.shape());
    for (std::int64_t j = 0; j < s.size(); ++j) s[j] = z[j] != 0.0F ? in.upstream[j] / z[j] : 0.0F;
    lumen::Tensor r = layer.backward_with(s, x.shape(), {}, in.backend);
    for (std::int64_t i = 0; i < r.size(); ++i) r[i] *= x[i];
    return {std::move(r)};
  }
};

void fill(lumen::Registrar& registrar) {
  lumen::RuleInfo info;
  info.name = "zero";
  info.summary =
      "LRP-0: relevance in proportion to each input's contribution a_i w_ij to z_j "
      "(no stabiliser; an output with z_j = 0 sends nothing back)";
  info.signal = lumen::Signal::relevance;
  info.make = [](const lumen::Params&) -> std::shared_ptr<const lumen::Rule> {
    return std::make_shared<ZeroRule>();
  };
  registrar.add_rule(std::move(info));
}

}  // namespace

LUMEN_PLUGIN("zero", "0.1.0", fill)
