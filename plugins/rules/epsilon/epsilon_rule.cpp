// LRP-epsilon: R_i = a_i * sum_j w_ij R_j / (z_j + epsilon * sign(z_j)), z_j = sum_i a_i w_ij + b_j
// (Bach et al. 2015). sign(0) counts as +1, as in Zennit, so z = 0 never divides by zero.
#include <lumen/error.hpp>
#include <lumen/layer.hpp>
#include <lumen/plugin.hpp>
#include <lumen/rule.hpp>

namespace {

class EpsilonRule final : public lumen::Rule {
 public:
  explicit EpsilonRule(float epsilon) : epsilon_(epsilon) {}
  std::string name() const override { return "epsilon"; }
  lumen::Signal signal() const override { return lumen::Signal::relevance; }
  bool applies_to(const lumen::Layer& layer) const override { return layer.as_linear() != nullptr; }
  bool conserves() const override { return true; }

  std::vector<lumen::Tensor> propagate(const lumen::RuleInput& in) const override {
    const lumen::LinearLayer& layer = *in.node.layer->as_linear();
    const lumen::Tensor& x = *in.inputs[0];
    const lumen::Tensor& z = in.output;
    lumen::Tensor s(z.shape());
    for (std::int64_t i = 0; i < s.size(); ++i) {
      s[i] = in.upstream[i] / (z[i] + (z[i] >= 0.0F ? epsilon_ : -epsilon_));
    }
    lumen::Tensor r = layer.backward_with(s, x.shape(), {}, in.backend);
    for (std::int64_t i = 0; i < r.size(); ++i) r[i] *= x[i];
    return {std::move(r)};
  }

 private:
  float epsilon_;
};

void fill(lumen::Registrar& registrar) {
  lumen::RuleInfo info;
  info.name = "epsilon";
  info.summary =
      "LRP-epsilon: relevance in proportion to each input's contribution z_ij, "
      "denominator stabilised by epsilon (epsilon = 0 is LRP-0)";
  info.signal = lumen::Signal::relevance;
  info.params = {
      lumen::param::real("epsilon", 1e-6,
                         "stabiliser added to the denominator in the direction of its sign")
          .within(0.0, 1e6)};
  info.make = [](const lumen::Params& p) -> std::shared_ptr<const lumen::Rule> {
    return std::make_shared<EpsilonRule>(static_cast<float>(p.real("epsilon")));
  };
  registrar.add_rule(std::move(info));
}

}  // namespace

LUMEN_PLUGIN("epsilon", "0.1.0", fill)
