// The two LRP rules that ignore the layer's input values, as Zennit's Flat and WSquare:
//   R_i = sum_j rho(w_ij) R_j / stab(sum_i' rho(w_i'j) + rho(b_j)),
// with rho(w) = w^2 and rho(b) = b^2 for "wsquare" (Montavon et al. 2017) and rho = 1 with no
// bias for "flat" (Lapuschkin et al. 2019). The sum runs over the inputs each output sees (the
// padding of a convolution contributes nothing). stab(v) = v + 1e-6 sign(v) (sign(0) = +1).
#include <lumen/layer.hpp>
#include <lumen/plugin.hpp>
#include <lumen/registry.hpp>
#include <lumen/rule.hpp>

namespace {

using lumen::Tensor;
using lumen::WeightTransform;

constexpr float kStabiliser = 1e-6F;

class InputFreeRule final : public lumen::Rule {
 public:
  InputFreeRule(std::string name, WeightTransform::Kind kind, bool with_bias)
      : name_(std::move(name)), transform_{kind}, with_bias_(with_bias) {}
  std::string name() const override { return name_; }
  lumen::Signal signal() const override { return lumen::Signal::relevance; }
  bool applies_to(const lumen::Layer& layer) const override { return layer.as_linear() != nullptr; }
  bool conserves() const override { return true; }

  std::vector<Tensor> propagate(const lumen::RuleInput& in) const override {
    const lumen::LinearLayer& layer = *in.node.layer->as_linear();
    const lumen::Shape& shape = in.inputs[0]->shape();
    Tensor s = layer.forward_with(Tensor(shape, 1.0F), transform_, with_bias_, in.backend);
    for (std::int64_t j = 0; j < s.size(); ++j) {
      s[j] = in.upstream[j] / (s[j] + (s[j] >= 0.0F ? kStabiliser : -kStabiliser));
    }
    return {layer.backward_with(s, shape, transform_, in.backend)};
  }

 private:
  std::string name_;
  WeightTransform transform_;
  bool with_bias_;
};

void fill(lumen::Registrar& registrar) {
  lumen::RuleInfo flat;
  flat.name = "flat";
  flat.summary =
      "LRP-flat: each output's relevance spread evenly over the inputs it sees, whatever the "
      "weights and input values";
  flat.signal = lumen::Signal::relevance;
  flat.make = [](const lumen::Params&) -> std::shared_ptr<const lumen::Rule> {
    return std::make_shared<InputFreeRule>("flat", WeightTransform::Kind::flat, false);
  };
  registrar.add_rule(std::move(flat));

  lumen::RuleInfo wsquare;
  wsquare.name = "wsquare";
  wsquare.summary =
      "LRP-w^2: each output's relevance spread over its inputs in proportion to the squared "
      "weights, whatever the input values";
  wsquare.signal = lumen::Signal::relevance;
  wsquare.make = [](const lumen::Params&) -> std::shared_ptr<const lumen::Rule> {
    return std::make_shared<InputFreeRule>("wsquare", WeightTransform::Kind::square, true);
  };
  registrar.add_rule(std::move(wsquare));
}

}  // namespace

LUMEN_PLUGIN("flat", "0.1.0", fill)
