#include "lumen/canonize.hpp"

#include "lumen/error.hpp"
#include "lumen/layers.hpp"

namespace lumen {
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

bool foldable_producer(const Graph& g, NodeId id) {
  const Layer& layer = *g.node(id).layer;
  const auto op = layer.op_type();
  return (op == "Conv" || op == "Gemm") && layer.kind() == LayerKind::linear && layer.as_linear() &&
         g.consumers(id).size() == 1;
}

std::vector<float> channel_values(const Tensor& t, std::int64_t channels) {
  const std::int64_t inner = t.size() / channels;
  std::vector<float> v(static_cast<std::size_t>(channels));
  for (std::int64_t c = 0; c < channels; ++c) v[static_cast<std::size_t>(c)] = t[c * inner];
  return v;
}

// The folded layer of `linear` (node `producer`) followed by the batch-norm `norm`.
std::shared_ptr<const Layer> fold(const Graph& g, NodeId producer, const Layer& norm,
                                  const Backend& backend) {
  const Node& p = g.node(producer);
  const std::int64_t channels = p.output_shape.at(1);
  const LinearLayer& bn = *norm.as_linear();
  const std::vector<float> scale =
      channel_values(bn.forward_with(Tensor({1, channels}, 1.0F), {}, false, backend), channels);
  const std::vector<float> shift =
      channel_values(bn.forward_with(Tensor({1, channels}), {}, true, backend), channels);
  const Tensor zeros(g.node(p.inputs.at(0)).output_shape);
  const std::vector<float> bias =
      channel_values(p.layer->as_linear()->forward_with(zeros, {}, true, backend), channels);
  std::vector<float> folded(bias.size());
  for (std::size_t c = 0; c < bias.size(); ++c) folded[c] = scale[c] * bias[c] + shift[c];
  return std::make_shared<const FoldedLinear>(p.layer, scale, std::move(folded));
}

}  // namespace

CanonizedModel fold_batch_norm(const Model& model, const Backend& backend) {
  const Graph& g = model.graph();
  std::vector<std::shared_ptr<const Layer>> layers(g.size());
  for (NodeId id = 0; id < g.size(); ++id) layers[id] = g.node(id).layer;
  std::vector<std::pair<std::string, std::string>> folded;
  for (NodeId id = 0; id < g.size(); ++id) {
    const Node& n = g.node(id);
    if (n.layer->op_type() != "BatchNormalization" || !n.layer->as_linear() ||
        n.inputs.size() != 1 || !foldable_producer(g, n.inputs[0])) {
      continue;
    }
    layers[n.inputs[0]] = fold(g, n.inputs[0], *n.layer, backend);
    layers[id] = make_identity("Identity");
    folded.emplace_back(n.name, g.node(n.inputs[0]).name);
  }
  // Nodes are added in id order, which is a creation order of the original graph, so every node
  // keeps its id and the topological order is the same.
  Graph out;
  for (NodeId id = 0; id < g.size(); ++id) {
    const Node& n = g.node(id);
    if (id == g.input()) {
      out.add_input(n.name, Shape(n.output_shape.begin() + 1, n.output_shape.end()));
    } else {
      out.add_node(n.name, n.output_name, layers[id], n.inputs);
    }
  }
  out.finalize(g.output());
  return {Model(std::move(out), model.input_spec(), model.labels()), std::move(folded)};
}

}  // namespace lumen
