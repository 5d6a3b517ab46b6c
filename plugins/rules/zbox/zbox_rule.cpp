// LRP z-box (Montavon et al. 2017) for inputs bounded by low <= x <= high, as Zennit's ZBox:
//   z_j = (W x)_j - (W+ l)_j - (W- h)_j = ((W+ (x - l)) + (W- (x - h)))_j,
//   R_i = (x_i (W^T s)_i - l_i (W+^T s)_i - h_i (W-^T s)_i),  s = R / stab(z),
// stab(v) = v + 1e-6 sign(v) (sign(0) = +1). Zennit adds b - b+ - b- = 0 to z: the biases cancel,
// so they are left out. Within the box every term is >= 0 and the layer keeps its relevance.
#include <lumen/layer.hpp>
#include <lumen/plugin.hpp>
#include <lumen/registry.hpp>
#include <lumen/rule.hpp>

#include "bounds.hpp"

namespace {

using lumen::Tensor;
using lumen::WeightTransform;

constexpr float kStabiliser = 1e-6F;
constexpr WeightTransform kPositive{WeightTransform::Kind::positive};
constexpr WeightTransform kNegative{WeightTransform::Kind::negative};

class ZBoxRule final : public lumen::Rule {
 public:
  ZBoxRule(std::vector<float> low, std::vector<float> high)
      : low_(std::move(low)), high_(std::move(high)) {}
  std::string name() const override { return "zbox"; }
  lumen::Signal signal() const override { return lumen::Signal::relevance; }
  bool applies_to(const lumen::Layer& layer) const override { return layer.as_linear() != nullptr; }
  // Each layer keeps its relevance where z != 0, but z-box also gives relevance to inputs at the
  // lower bound (a dead ReLU unit); a z-box layer above them may see z = 0 and lose it. So it
  // conserves at the first layer it is meant for, not applied everywhere (docs/rules.md).
  bool conserves() const override { return false; }

  std::vector<Tensor> propagate(const lumen::RuleInput& in) const override {
    const lumen::LinearLayer& layer = *in.node.layer->as_linear();
    const Tensor& x = *in.inputs[0];
    const Tensor l = lumen::zbox::expand_bounds("low", low_, x.shape());
    const Tensor h = lumen::zbox::expand_bounds("high", high_, x.shape());
    Tensor z = layer.forward_with(x, {}, false, in.backend);
    const Tensor zl = layer.forward_with(l, kPositive, false, in.backend);
    const Tensor zh = layer.forward_with(h, kNegative, false, in.backend);
    for (std::int64_t j = 0; j < z.size(); ++j) {
      const float d = z[j] - zl[j] - zh[j];
      z[j] = in.upstream[j] / (d + (d >= 0.0F ? kStabiliser : -kStabiliser));
    }
    const Tensor& s = z;
    const Tensor gx = layer.backward_with(s, x.shape(), {}, in.backend);
    const Tensor gl = layer.backward_with(s, x.shape(), kPositive, in.backend);
    const Tensor gh = layer.backward_with(s, x.shape(), kNegative, in.backend);
    Tensor r(x.shape());
    for (std::int64_t i = 0; i < r.size(); ++i) r[i] = x[i] * gx[i] - l[i] * gl[i] - h[i] * gh[i];
    return {std::move(r)};
  }

 private:
  std::vector<float> low_;
  std::vector<float> high_;
};

void fill(lumen::Registrar& registrar) {
  lumen::RuleInfo info;
  info.name = "zbox";
  info.summary =
      "LRP z-box for inputs bounded by [low, high] (per channel or one value), usually at the "
      "first layer";
  info.signal = lumen::Signal::relevance;
  info.params = {
      lumen::param::list("low", lumen::ParamType::real, "0",
                         "lowest input value: one number, or a comma list with one per input "
                         "channel (in lrp and deep-taylor, when neither bound is given and the "
                         "model knows its normalisation: (0 - mean) / std per channel)"),
      lumen::param::list("high", lumen::ParamType::real, "1",
                         "highest input value: one number, or a comma list with one per input "
                         "channel (in lrp and deep-taylor, when neither bound is given and the "
                         "model knows its normalisation: (1 - mean) / std per channel)"),
  };
  info.make = [](const lumen::Params& p) -> std::shared_ptr<const lumen::Rule> {
    const auto floats = [](const std::vector<double>& v) {
      return std::vector<float>(v.begin(), v.end());
    };
    auto low = floats(p.list("low"));
    auto high = floats(p.list("high"));
    lumen::zbox::check_ordered(low, high);
    return std::make_shared<ZBoxRule>(std::move(low), std::move(high));
  };
  registrar.add_rule(std::move(info));
}

}  // namespace

LUMEN_PLUGIN("zbox", "0.1.0", fill)
