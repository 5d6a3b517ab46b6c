#include "multiplier_rule.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <lumen/binary_layers.hpp>
#include <lumen/elementwise.hpp>
#include <lumen/layer.hpp>
#include <lumen/normalisation_layers.hpp>
#include <utility>
#include <vector>

#include "layer_norm_multipliers.hpp"

namespace lumen::deeplift {

namespace {

/// out[i] = f(a[i], b[i]) over whole tensors, in parallel.
template <class F>
Tensor combine(const Tensor& a, const Tensor& b, F f) {
  auto out = Tensor::uninitialised(a.shape());
  const float* as = a.data();
  const float* bs = b.data();
  float* os = out.data();
  for_each_block(out.size(), [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = begin; i < end; ++i) os[i] = f(as[i], bs[i]);
  });
  return out;
}

Tensor difference(const Tensor& a, const Tensor& b) {
  return combine(a, b, [](float u, float v) { return u - v; });
}

Tensor sum(const Tensor& a, const Tensor& b) {
  return combine(a, b, [](float u, float v) { return u + v; });
}

// {t} without the copy a braced list makes of each element.
std::vector<Tensor> single(Tensor t) {
  std::vector<Tensor> out;
  out.push_back(std::move(t));
  return out;
}

// m = upstream * Δy / Δx where |Δx| is above the threshold, else the gradient g.
Tensor rescale(const Tensor& delta_in, const Tensor& contribution, const Tensor& gradient) {
  auto m = Tensor::uninitialised(delta_in.shape());
  const float* d = delta_in.data();
  const float* c = contribution.data();
  const float* g = gradient.data();
  float* out = m.data();
  for_each_block(m.size(), [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = begin; i < end; ++i) {
      out[i] = std::fabs(d[i]) < kDeltaThreshold ? g[i] : c[i] / d[i];
    }
  });
  return m;
}

class MultiplierRule final : public Rule {
 public:
  MultiplierRule(const Model& model, const Trace& input, const Trace& reference, Mode mode)
      : model_(model), input_(input), reference_(reference), mode_(mode) {}

  std::string name() const override {
    return mode_ == Mode::rescale ? "deeplift-rescale" : "deeplift-reveal-cancel";
  }
  Signal signal() const override { return Signal::gradient; }
  bool applies_to(const Layer& layer) const override {
    if (layer.kind() == LayerKind::activation || layer.op_type() == "MaxPool") return true;
    if (is_product(layer) || is_quotient(layer) || layer_norm_params(layer)) return true;
    return mode_ == Mode::reveal_cancel && layer.as_linear() != nullptr;
  }

  std::vector<Tensor> propagate(const RuleInput& in) const override {
    const Layer& layer = *in.node.layer;
    if (layer.op_type() == "MaxPool") return single(max_pool(in));
    if (is_product(layer)) return product(in);
    if (is_quotient(layer)) return quotient(in);
    if (const auto ln = layer_norm_params(layer)) {
      return single(layer_norm_multipliers(*ln, *in.inputs[0], reference_.output(in.node.inputs[0]),
                                           in.upstream));
    }
    if (layer.kind() == LayerKind::activation) {
      // Reveal-cancel is applied one node down, at the linear layer feeding this activation.
      if (mode_ == Mode::reveal_cancel && splits_into_parts(in.node.inputs[0]))
        return single(in.upstream);
      return single(activation_rescale(in));
    }
    if (splits_into_parts(in.node.id)) return single(reveal_cancel(in));
    return layer.backward(in.inputs, in.output, in.state, in.upstream, in.backend);
  }

 private:
  // Whether node `id` is a linear layer whose only consumer is an element-wise activation: then
  // the activation's input is split into positive and negative contributions (reveal-cancel).
  bool splits_into_parts(NodeId id) const {
    const Graph& g = model_.graph();
    if (mode_ != Mode::reveal_cancel || !g.node(id).layer->as_linear()) return false;
    const auto& consumers = g.consumers(id);
    return consumers.size() == 1 && g.node(consumers[0]).layer->kind() == LayerKind::activation;
  }

  // One pass over x, x0, y, y0 and the upstream signal; the gradient is computed only when some
  // |Δx| is below the threshold (rarely), which saves a backward pass and four temporaries.
  Tensor activation_rescale(const RuleInput& in) const {
    const float* x = in.inputs[0]->data();
    const float* x0 = reference_.output(in.node.inputs[0]).data();
    const float* y = in.output.data();
    const float* y0 = reference_.output(in.node.id).data();
    const float* up = in.upstream.data();
    auto m = Tensor::uninitialised(in.inputs[0]->shape());
    float* out = m.data();
    std::atomic<bool> any_small = false;
    for_each_block(m.size(), [&](std::int64_t begin, std::int64_t end) {
      bool small_here = false;
      for (std::int64_t i = begin; i < end; ++i) {
        const float delta_in = x[i] - x0[i];
        const bool small = std::fabs(delta_in) < kDeltaThreshold;
        small_here = small_here || small;
        out[i] = small ? 0.0F : ((y[i] - y0[i]) * up[i]) / delta_in;
      }
      if (small_here) any_small = true;
    });
    if (any_small) {
      const Tensor gradient =
          in.node.layer->backward(in.inputs, in.output, in.state, in.upstream, in.backend)[0];
      for (std::int64_t i = 0, n = m.size(); i < n; ++i)
        if (std::fabs(x[i] - x0[i]) < kDeltaThreshold) out[i] = gradient[i];
    }
    return m;
  }

  static bool is_product(const Layer& layer) {
    return layer.op_type() == "Mul" && layer.as_linear() == nullptr;
  }

  // The exact product rule for y = a * b (a and b computed, broadcast): Δy = Δa (b + b0) / 2 +
  // Δb (a + a0) / 2 holds exactly, so the multipliers are m_a = (b + b0) / 2, m_b = (a + a0) / 2:
  // the product's own backward evaluated at the midpoints of x and x0 (summed over a broadcast
  // operand's repeated axes as the gradient is).
  std::vector<Tensor> product(const RuleInput& in) const {
    const Tensor mid_a = midpoint(*in.inputs[0], reference_.output(in.node.inputs[0]));
    const Tensor mid_b = midpoint(*in.inputs[1], reference_.output(in.node.inputs[1]));
    const std::vector<const Tensor*> mids{&mid_a, &mid_b};
    return in.node.layer->backward(mids, in.output, in.state, in.upstream, in.backend);
  }

  static bool is_quotient(const Layer& layer) {
    return layer.op_type() == "Div" && layer.as_linear() == nullptr;
  }

  // The exact rule for y = a / b, the Shapley values of the two operands: Δy = Δa (1/b + 1/b0) / 2
  // - Δb (a + a0) / (2 b b0) holds exactly, so m_a = (1/b + 1/b0) / 2 and m_b = -(a + a0) / (2 b
  // b0) (defined even where Δb = 0). m_a depends on b alone and m_b factors into a part of a's
  // shape and one of b's, so a product's backward at (midpoint of a, m_a) sums both over the
  // broadcast axes; b's part of m_b, constant along them, multiplies afterwards.
  std::vector<Tensor> quotient(const RuleInput& in) const {
    const Tensor& b = *in.inputs[1];
    const Tensor& b0 = reference_.output(in.node.inputs[1]);
    const Tensor mid_a = midpoint(*in.inputs[0], reference_.output(in.node.inputs[0]));
    const Tensor m_a =
        combine(b, b0, [](float u, float v) { return 0.5F * (1.0F / u + 1.0F / v); });
    const std::vector<const Tensor*> factors{&mid_a, &m_a};
    auto out = make_mul()->backward(factors, in.output, nullptr, in.upstream, in.backend);
    out[1] = combine(out[1], combine(b, b0, [](float u, float v) { return -1.0F / (u * v); }),
                     [](float g, float q) { return g * q; });
    return out;
  }

  static Tensor midpoint(const Tensor& a, const Tensor& b) {
    return combine(a, b, [](float u, float v) { return 0.5F * (u + v); });
  }

  // Captum's max-pool rule: each window's Δy = y - y0 goes to the winner of x when y >= y0 and to
  // the winner of x0 otherwise, then is divided by Δx there. Overlapping windows add up.
  Tensor max_pool(const RuleInput& in) const {
    const Layer& layer = *in.node.layer;
    const Tensor& x = *in.inputs[0];
    const Tensor& x0 = reference_.output(in.node.inputs[0]);
    const Tensor& y = in.output;
    const Tensor& y0 = reference_.output(in.node.id);
    auto to_x = Tensor::uninitialised(y.shape()), to_x0 = Tensor::uninitialised(y.shape());
    const float* ys = y.data();
    const float* y0s = y0.data();
    const float* up = in.upstream.data();
    float* high_part = to_x.data();
    float* low_part = to_x0.data();
    for_each_block(y.size(), [&](std::int64_t begin, std::int64_t end) {
      for (std::int64_t i = begin; i < end; ++i) {
        const float high = std::max(ys[i], y0s[i]);
        high_part[i] = up[i] * (high - y0s[i]);
        low_part[i] = up[i] * (ys[i] - high);
      }
    });
    const std::vector<const Tensor*> reference_inputs{&x0};
    const Tensor at_x = layer.backward(in.inputs, y, in.state, to_x, in.backend)[0];
    const Tensor at_x0 =
        layer.backward(reference_inputs, y0, reference_.state(in.node.id), to_x0, in.backend)[0];
    const Tensor gradient = layer.backward(in.inputs, y, in.state, in.upstream, in.backend)[0];
    return rescale(difference(x, x0), sum(at_x, at_x0), gradient);
  }

  // Note [reveal-cancel]
  // At a linear node z = W x + b feeding an activation y = f(z) (upstream: the multiplier of y,
  // passed through the activation unchanged), Δz is split into the sums of its positive and of its
  // negative terms w_ji Δx_i: Δz+ = W+ Δx+ + W- Δx-, Δz- = W- Δx+ + W+ Δx-. Then
  //   Δy+ = ½(f(z0 + Δz+) - f(z0)) + ½(f(z) - f(z0 + Δz-)),  Δy- likewise with + and - swapped,
  // m+ = Δy+ / Δz+ and m- = Δy- / Δz- (the gradient f'(z) where |Δz±| is below the threshold), and
  // input i receives Σ_j w_ji u_j m±_j, with m+ for the terms w_ji Δx_i > 0 and m- for the others:
  // for Δx_i >= 0 that is (W+^T (u m+) + W-^T (u m-))_i, for Δx_i < 0 the transforms swap.
  Tensor reveal_cancel(const RuleInput& in) const {
    const Graph& g = model_.graph();
    const auto& linear = *in.node.layer->as_linear();
    const NodeId act_id = g.consumers(in.node.id)[0];
    const Layer& act = *g.node(act_id).layer;
    const Tensor& x = *in.inputs[0];
    const Tensor dx = difference(x, reference_.output(in.node.inputs[0]));
    Tensor dx_pos(dx.shape()), dx_neg(dx.shape());
    for (std::int64_t i = 0; i < dx.size(); ++i) (dx[i] >= 0.0F ? dx_pos : dx_neg)[i] = dx[i];
    const WeightTransform pos{WeightTransform::Kind::positive};
    const WeightTransform neg{WeightTransform::Kind::negative};
    const Tensor dz_pos = sum(linear.forward_with(dx_pos, pos, false, in.backend),
                              linear.forward_with(dx_neg, neg, false, in.backend));
    const Tensor dz_neg = sum(linear.forward_with(dx_pos, neg, false, in.backend),
                              linear.forward_with(dx_neg, pos, false, in.backend));

    const Tensor& z = in.output;
    const Tensor& z0 = reference_.output(in.node.id);
    const Tensor& y = input_.output(act_id);
    const Tensor& y0 = reference_.output(act_id);
    const Tensor f_pos = apply(act, sum(z0, dz_pos), in);
    const Tensor f_neg = apply(act, sum(z0, dz_neg), in);
    const std::vector<const Tensor*> act_inputs{&z};
    const Tensor slope =
        act.backward(act_inputs, y, input_.state(act_id), Tensor(z.shape(), 1.0F), in.backend)[0];
    Tensor up_pos(z.shape()), up_neg(z.shape());
    for (std::int64_t j = 0; j < z.size(); ++j) {
      const float dy_pos = 0.5F * (f_pos[j] - y0[j]) + 0.5F * (y[j] - f_neg[j]);
      const float dy_neg = 0.5F * (f_neg[j] - y0[j]) + 0.5F * (y[j] - f_pos[j]);
      const float m_pos = std::fabs(dz_pos[j]) < kDeltaThreshold ? slope[j] : dy_pos / dz_pos[j];
      const float m_neg = std::fabs(dz_neg[j]) < kDeltaThreshold ? slope[j] : dy_neg / dz_neg[j];
      up_pos[j] = in.upstream[j] * m_pos;
      up_neg[j] = in.upstream[j] * m_neg;
    }
    const Tensor pos_pos = linear.backward_with(up_pos, x.shape(), pos, in.backend);
    const Tensor neg_neg = linear.backward_with(up_neg, x.shape(), neg, in.backend);
    const Tensor neg_pos = linear.backward_with(up_pos, x.shape(), neg, in.backend);
    const Tensor pos_neg = linear.backward_with(up_neg, x.shape(), pos, in.backend);
    Tensor m(x.shape());
    for (std::int64_t i = 0; i < m.size(); ++i) {
      m[i] = dx[i] >= 0.0F ? pos_pos[i] + neg_neg[i] : neg_pos[i] + pos_neg[i];
    }
    return m;
  }

  static Tensor apply(const Layer& act, const Tensor& z, const RuleInput& in) {
    const std::vector<const Tensor*> inputs{&z};
    return act.forward(inputs, in.backend, nullptr);
  }

  const Model& model_;
  const Trace& input_;
  const Trace& reference_;
  Mode mode_;
};

}  // namespace

std::shared_ptr<const Rule> make_multiplier_rule(const Model& model, const Trace& input,
                                                 const Trace& reference, Mode mode) {
  return std::make_shared<MultiplierRule>(model, input, reference, mode);
}

}  // namespace lumen::deeplift
