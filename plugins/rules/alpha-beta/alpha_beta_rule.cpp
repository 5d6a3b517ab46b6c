// LRP-alpha-beta (Bach et al. 2015) in Zennit's form, and z+ as its alpha = 1, beta = 0 member.
// With x = x+ + x- and W = W+ + W-, the contributions that raise an output and those that lower
// it are normalised separately:
//   z+_j = (W+ x+ + W- x-)_j + b+_j,   z-_j = (W- x+ + W+ x-)_j + b-_j,
//   R_i = alpha (x+_i (W+^T s+)_i + x-_i (W-^T s+)_i) - beta (x+_i (W-^T s-)_i + x-_i (W+^T s-)_i),
// s+ = R / stab(z+), s- = R / stab(z-), stab(v) = v + 1e-6 sign(v) (sign(0) = +1). A layer keeps
// alpha - beta = 1 times its upstream relevance wherever an output has contributions of both
// signs (biases, when present, absorb their share).
#include <algorithm>
#include <cmath>
#include <lumen/elementwise.hpp>
#include <lumen/error.hpp>
#include <lumen/layer.hpp>
#include <lumen/plugin.hpp>
#include <lumen/registry.hpp>
#include <lumen/rule.hpp>
#include <sstream>

namespace {

using lumen::Tensor;
using lumen::WeightTransform;

constexpr float kStabiliser = 1e-6F;
constexpr WeightTransform kPositive{WeightTransform::Kind::positive};
constexpr WeightTransform kNegative{WeightTransform::Kind::negative};

float stabilise(float v) { return v + (v >= 0.0F ? kStabiliser : -kStabiliser); }

class AlphaBetaRule final : public lumen::Rule {
 public:
  AlphaBetaRule(std::string name, float alpha, float beta)
      : name_(std::move(name)), alpha_(alpha), beta_(beta) {}
  std::string name() const override { return name_; }
  lumen::Signal signal() const override { return lumen::Signal::relevance; }
  bool applies_to(const lumen::Layer& layer) const override { return layer.as_linear() != nullptr; }
  // With beta > 0 a layer whose weights are all positive (average pooling) keeps alpha times its
  // relevance: nothing lowers its outputs. Only beta = 0 conserves on every linear layer.
  bool conserves() const override { return beta_ == 0.0F; }

  std::vector<Tensor> propagate(const lumen::RuleInput& in) const override {
    const lumen::LinearLayer& layer = *in.node.layer->as_linear();
    const Tensor& x = *in.inputs[0];
    const Signs signs = signs_of(x);
    // After a ReLU (the common case) x = x+ and x- = 0: no split, and x-'s terms are skipped.
    Tensor split_xp, xn;
    if (signs.other) {
      split_xp = Tensor::uninitialised(x.shape());
      xn = Tensor::uninitialised(x.shape());
      const float* v = x.data();
      float* p = split_xp.data();
      float* n = xn.data();
      lumen::for_each_block(x.size(), [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t i = begin; i < end; ++i) {
          const bool positive = v[i] > 0.0F;
          p[i] = positive ? v[i] : 0.0F;
          n[i] = positive ? 0.0F : v[i];
        }
      });
    }
    const Tensor& xp = signs.other ? split_xp : x;
    const Tensor* xn_or_none = signs.other ? &xn : nullptr;
    Tensor r = part(layer, xp, signs.positive, xn_or_none, kPositive, kNegative, in);
    if (alpha_ != 1.0F) scale(r, alpha_);
    if (beta_ != 0.0F) {
      const Tensor lowering = part(layer, xp, signs.positive, xn_or_none, kNegative, kPositive, in);
      float* out = r.data();
      const float* low = lowering.data();
      const float beta = beta_;
      lumen::for_each_block(r.size(), [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t i = begin; i < end; ++i) out[i] -= beta * low[i];
      });
    }
    std::vector<Tensor> result;
    result.push_back(std::move(r));
    return result;
  }

 private:
  struct Signs {
    bool positive = false;  // some value > 0
    bool other = false;     // some value < 0 or NaN: x- is not zero
  };

  static Signs signs_of(const Tensor& x) {
    Signs s;
    for (const float v : x.values()) {
      s.positive |= v > 0.0F;
      s.other |= !(v >= 0.0F);
    }
    return s;
  }

  static void scale(Tensor& t, float factor) {
    float* v = t.data();
    lumen::for_each_block(t.size(), [&](std::int64_t begin, std::int64_t end) {
      for (std::int64_t i = begin; i < end; ++i) v[i] *= factor;
    });
  }

  // The relevance carried by the contributions x+ t_xp(W) + x- t_xn(W) (bias: t_xp(b)),
  // normalised by their sum. `xn` is null when x- = 0 (any input after a ReLU): its terms are
  // zero, exactly, and are not computed; likewise x+'s when no value is positive.
  static Tensor part(const lumen::LinearLayer& layer, const Tensor& xp, bool with_xp,
                     const Tensor* xn, WeightTransform t_xp, WeightTransform t_xn,
                     const lumen::RuleInput& in) {
    Tensor z = layer.forward_with(xp, t_xp, true, in.backend);
    float* zs = z.data();
    if (xn) {
      const Tensor b = layer.forward_with(*xn, t_xn, false, in.backend);
      const float* bs = b.data();
      lumen::for_each_block(z.size(), [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t j = begin; j < end; ++j) zs[j] += bs[j];
      });
    }
    // z becomes s = R / stab(z).
    const float* up = in.upstream.data();
    lumen::for_each_block(z.size(), [&](std::int64_t begin, std::int64_t end) {
      for (std::int64_t j = begin; j < end; ++j) zs[j] = up[j] / stabilise(zs[j]);
    });
    Tensor r;
    if (with_xp) {
      r = layer.backward_with(z, xp.shape(), t_xp, in.backend);
      multiply(r, xp, nullptr);
    } else {
      r = Tensor(xp.shape());
    }
    if (xn) {
      const Tensor gn = layer.backward_with(z, xn->shape(), t_xn, in.backend);
      multiply(r, *xn, &gn);
    }
    return r;
  }

  /// r = x * r, or r += x * g when g is given.
  static void multiply(Tensor& r, const Tensor& x, const Tensor* g) {
    float* out = r.data();
    const float* xs = x.data();
    const float* gs = g ? g->data() : nullptr;
    lumen::for_each_block(r.size(), [&](std::int64_t begin, std::int64_t end) {
      if (gs) {
        for (std::int64_t i = begin; i < end; ++i) out[i] += xs[i] * gs[i];
      } else {
        for (std::int64_t i = begin; i < end; ++i) out[i] = xs[i] * out[i];
      }
    });
  }

  std::string name_;
  float alpha_;
  float beta_;
};

std::string number(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

lumen::RuleInfo alpha_beta_info() {
  lumen::RuleInfo info;
  info.name = "alpha-beta";
  info.summary =
      "LRP-alpha-beta: alpha times the relevance of the raising contributions minus beta times "
      "that of the lowering ones, each normalised by its own sum (alpha - beta = 1)";
  info.signal = lumen::Signal::relevance;
  info.params = {
      lumen::param::real("alpha", 2.0, "weight of the raising contributions").within(1.0, 1e6),
      lumen::param::real("beta", 1.0, "weight of the lowering contributions").within(0.0, 1e6),
  };
  info.make = [](const lumen::Params& p) -> std::shared_ptr<const lumen::Rule> {
    const double alpha = p.real("alpha");
    const double beta = p.real("beta");
    if (std::abs(alpha - beta - 1.0) > 1e-9 * std::max(1.0, alpha)) {
      throw lumen::InvalidArgument("rule alpha-beta: alpha - beta must be 1, got alpha = " +
                                   number(alpha) + ", beta = " + number(beta));
    }
    return std::make_shared<AlphaBetaRule>("alpha-beta", static_cast<float>(alpha),
                                           static_cast<float>(beta));
  };
  return info;
}

lumen::RuleInfo zplus_info() {
  lumen::RuleInfo info;
  info.name = "zplus";
  info.summary =
      "LRP-z+: relevance in proportion to the contributions that raise the output "
      "(alpha-beta with alpha = 1, beta = 0)";
  info.signal = lumen::Signal::relevance;
  info.make = [](const lumen::Params&) -> std::shared_ptr<const lumen::Rule> {
    return std::make_shared<AlphaBetaRule>("zplus", 1.0F, 0.0F);
  };
  return info;
}

void fill(lumen::Registrar& registrar) {
  registrar.add_rule(alpha_beta_info());
  registrar.add_rule(zplus_info());
}

}  // namespace

LUMEN_PLUGIN("alpha-beta", "0.1.0", fill)
