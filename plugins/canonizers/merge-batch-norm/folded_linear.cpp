#include "folded_linear.hpp"

namespace lumen::merge_batch_norm {
namespace {

// One part of a folded layer's transformed weights: t(a_c W_c) is a sum over channels c of
// factor_c * t'(W_c) for a few transforms t' of the original weights (see terms()).
struct Term {
  WeightTransform transform;
  std::vector<float> factor;  // per output channel; all zero means the term is absent
};

bool any_nonzero(const std::vector<float>& v) {
  for (float f : v) {
    if (f != 0.0F) return true;
  }
  return false;
}

// Multiplies channel c (axis 1) of t by factor[c], in place.
void scale_channels(Tensor& t, const std::vector<float>& factor) {
  const auto channels = static_cast<std::int64_t>(factor.size());
  const std::int64_t inner = t.size() / (t.dim(0) * channels);
  for (std::int64_t i = 0; i < t.size(); ++i) t[i] *= factor[(i / inner) % channels];
}

// A linear layer followed by a batch-norm, y_c = a_c (W x + b)_c + shift_c, as one linear layer
// with weights a_c W_c and bias a_c b_c + shift_c. The original layer is used through its
// forward_with / backward_with: for a weight transform t, t(a_c w) is rewritten in transforms of
// w alone (terms()), which is exact since every WeightTransform acts element-wise.
class FoldedLinear final : public LinearLayer {
 public:
  FoldedLinear(std::shared_ptr<const Layer> inner, std::vector<float> scale,
               std::vector<float> bias)
      : inner_(std::move(inner)), scale_(std::move(scale)), bias_(std::move(bias)) {}

  std::string op_type() const override { return inner_->op_type(); }
  LayerKind kind() const override { return LayerKind::linear; }
  Shape output_shape(std::span<const Shape> inputs) const override {
    return inner_->output_shape(inputs);
  }
  std::int64_t parameter_count() const override { return inner_->parameter_count(); }
  std::int64_t flops(std::span<const Shape> inputs, const Shape& output) const override {
    return inner_->flops(inputs, output);
  }
  std::string describe() const override { return inner_->describe() + " (batch-norm folded in)"; }

  Tensor forward_with(const Tensor& x, const WeightTransform& t, bool with_bias,
                      const Backend& backend) const override {
    const Shape in[] = {x.shape()};
    Tensor y(inner_->output_shape(in));
    for (const Term& term : terms(t)) {
      Tensor part = linear().forward_with(x, term.transform, false, backend);
      scale_channels(part, term.factor);
      for (std::int64_t i = 0; i < y.size(); ++i) y[i] += part[i];
    }
    if (with_bias) {
      const auto channels = static_cast<std::int64_t>(bias_.size());
      const std::int64_t inner = y.size() / (y.dim(0) * channels);
      for (std::int64_t i = 0; i < y.size(); ++i) y[i] += t(bias_[(i / inner) % channels]);
    }
    return y;
  }

  Tensor backward_with(const Tensor& grad_y, const Shape& input_shape, const WeightTransform& t,
                       const Backend& backend) const override {
    Tensor dx(input_shape);
    for (const Term& term : terms(t)) {
      Tensor g = grad_y;
      scale_channels(g, term.factor);
      const Tensor part = linear().backward_with(g, input_shape, term.transform, backend);
      for (std::int64_t i = 0; i < dx.size(); ++i) dx[i] += part[i];
    }
    return dx;
  }

 private:
  const LinearLayer& linear() const { return *inner_->as_linear(); }

  // t(a w) for a > 0 and a < 0: positive part (a w)+ = a w+ or a w-; gamma
  // a w + g (a w)+ = a (w + g w+) or a w + g a w-; square a^2 w^2; flat 1.
  std::vector<Term> terms(const WeightTransform& t) const {
    using Kind = WeightTransform::Kind;
    const auto n = scale_.size();
    std::vector<float> up(n), down(n), square(n), ones(n, 1.0F);
    for (std::size_t c = 0; c < n; ++c) {
      up[c] = scale_[c] > 0.0F ? scale_[c] : 0.0F;
      down[c] = scale_[c] < 0.0F ? scale_[c] : 0.0F;
      square[c] = scale_[c] * scale_[c];
    }
    const WeightTransform identity{Kind::identity, 0.0F};
    const WeightTransform positive{Kind::positive, 0.0F};
    const WeightTransform negative{Kind::negative, 0.0F};
    std::vector<Term> all;
    switch (t.kind) {
      case Kind::identity: all = {{identity, scale_}}; break;
      case Kind::positive: all = {{positive, up}, {negative, down}}; break;
      case Kind::negative: all = {{negative, up}, {positive, down}}; break;
      case Kind::gamma: {
        std::vector<float> gamma_down(down);
        for (float& f : gamma_down) f *= t.gamma;
        all = {{t, up}, {identity, down}, {negative, gamma_down}};
        break;
      }
      case Kind::square: all = {{t, square}}; break;
      case Kind::flat: all = {{t, ones}}; break;
    }
    std::vector<Term> present;
    for (auto& term : all) {
      if (any_nonzero(term.factor)) present.push_back(std::move(term));
    }
    return present;
  }

  std::shared_ptr<const Layer> inner_;
  std::vector<float> scale_;
  std::vector<float> bias_;
};

}  // namespace

std::shared_ptr<const Layer> make_folded_linear(std::shared_ptr<const Layer> inner,
                                                std::vector<float> scale, std::vector<float> bias) {
  return std::make_shared<const FoldedLinear>(std::move(inner), std::move(scale), std::move(bias));
}

}  // namespace lumen::merge_batch_norm
