// LRP-gamma in Zennit's generalised form (Montavon et al. 2019; Andeol et al. 2021), which also
// handles negative inputs. With x = x+ + x-, W_up = W + gamma W+ and W_dn = W + gamma W-:
//   an output with z_j > 0 is split by the contributions that favour it,
//     z+_j = W_up x+ + W_dn x- + (b + gamma b+),
//   an output with z_j < 0 by those that favour its sign,
//     z-_j = W_dn x+ + W_up x- + (b + gamma b-),
//   R_i = x+_i (W_up^T s+ + W_dn^T s-)_i + x-_i (W_dn^T s+ + W_up^T s-)_i,
// where s+ = [z > 0] R / stab(z+), s- = [z < 0] R / stab(z-) and stab(v) = v + 1e-6 sign(v)
// (sign(0) = +1). For x >= 0 this is the original rule, R_i = x_i W_up_ij R_j / z+_j.
// W_dn is not one of WeightTransform's kinds; the map is linear in the weights, so it is
// evaluated as W plus gamma times W-.
#include <lumen/layer.hpp>
#include <lumen/plugin.hpp>
#include <lumen/registry.hpp>
#include <lumen/rule.hpp>

namespace {

using lumen::Tensor;
using lumen::WeightTransform;

constexpr float kStabiliser = 1e-6F;

void add_scaled(Tensor& into, const Tensor& v, float scale) {
  for (std::int64_t i = 0; i < into.size(); ++i) into[i] += scale * v[i];
}

class GammaRule final : public lumen::Rule {
 public:
  explicit GammaRule(float gamma) : gamma_(gamma) {}
  std::string name() const override { return "gamma"; }
  lumen::Signal signal() const override { return lumen::Signal::relevance; }
  bool applies_to(const lumen::Layer& layer) const override { return layer.as_linear() != nullptr; }
  bool conserves() const override { return true; }

  std::vector<Tensor> propagate(const lumen::RuleInput& in) const override {
    const lumen::LinearLayer& layer = *in.node.layer->as_linear();
    const Tensor& x = *in.inputs[0];
    Tensor xp(x.shape());
    Tensor xn(x.shape());
    for (std::int64_t i = 0; i < x.size(); ++i) (x[i] > 0.0F ? xp : xn)[i] = x[i];

    const Tensor z_up = add(up(layer, xp, true, in), down(layer, xn, false, in));
    const Tensor z_dn = add(down(layer, xp, true, in), up(layer, xn, false, in));
    const Tensor& z = in.output;
    Tensor sp(z.shape());
    Tensor sn(z.shape());
    for (std::int64_t j = 0; j < z.size(); ++j) {
      if (z[j] > 0.0F) sp[j] = in.upstream[j] / stabilise(z_up[j]);
      if (z[j] < 0.0F) sn[j] = in.upstream[j] / stabilise(z_dn[j]);
    }
    const Tensor to_pos = add(up_t(layer, sp, x.shape(), in), down_t(layer, sn, x.shape(), in));
    const Tensor to_neg = add(down_t(layer, sp, x.shape(), in), up_t(layer, sn, x.shape(), in));
    Tensor r(x.shape());
    for (std::int64_t i = 0; i < r.size(); ++i) r[i] = xp[i] * to_pos[i] + xn[i] * to_neg[i];
    return {std::move(r)};
  }

 private:
  static float stabilise(float v) { return v + (v >= 0.0F ? kStabiliser : -kStabiliser); }
  static Tensor add(Tensor a, const Tensor& b) {
    add_scaled(a, b, 1.0F);
    return a;
  }
  WeightTransform up_transform() const { return {WeightTransform::Kind::gamma, gamma_}; }
  // (W + gamma W+) x (+ b + gamma b+)
  Tensor up(const lumen::LinearLayer& l, const Tensor& x, bool bias,
            const lumen::RuleInput& in) const {
    return l.forward_with(x, up_transform(), bias, in.backend);
  }
  // (W + gamma W-) x (+ b + gamma b-)
  Tensor down(const lumen::LinearLayer& l, const Tensor& x, bool bias,
              const lumen::RuleInput& in) const {
    Tensor y = l.forward_with(x, {}, bias, in.backend);
    add_scaled(y, l.forward_with(x, {WeightTransform::Kind::negative}, bias, in.backend), gamma_);
    return y;
  }
  Tensor up_t(const lumen::LinearLayer& l, const Tensor& s, const lumen::Shape& shape,
              const lumen::RuleInput& in) const {
    return l.backward_with(s, shape, up_transform(), in.backend);
  }
  Tensor down_t(const lumen::LinearLayer& l, const Tensor& s, const lumen::Shape& shape,
                const lumen::RuleInput& in) const {
    Tensor g = l.backward_with(s, shape, {}, in.backend);
    add_scaled(g, l.backward_with(s, shape, {WeightTransform::Kind::negative}, in.backend), gamma_);
    return g;
  }

  float gamma_;
};

void fill(lumen::Registrar& registrar) {
  lumen::RuleInfo info;
  info.name = "gamma";
  info.summary =
      "LRP-gamma (Zennit's generalised form): contributions that favour the output's sign are "
      "boosted by gamma times their positive-weight (or negative-weight) part";
  info.signal = lumen::Signal::relevance;
  info.params = {
      lumen::param::real("gamma", 0.25,
                         "how much the contributions favouring the output's sign are boosted")
          .within(0.0, 1e6)};
  info.make = [](const lumen::Params& p) -> std::shared_ptr<const lumen::Rule> {
    return std::make_shared<GammaRule>(static_cast<float>(p.real("gamma")));
  };
  registrar.add_rule(std::move(info));
}

}  // namespace

LUMEN_PLUGIN("gamma", "0.1.0", fill)
