#pragma once
// A small network with batch-norms, for the canonizer tests of lrp: built as is, or with every
// foldable batch-norm folded by hand into the layer before it (weights a_c W_c, bias
// a_c b_c + shift_c) and replaced by an Identity of the same name.
// [N,3,8,8] -> conv1 (bias) -> bn1 -> relu1 -> pool1 -> conv2 (no bias) -> bn2 (negative scales)
// -> relu2 -> bn3 (after a ReLU: not folded) -> gap -> flatten -> fc -> bn4 (BN over [N,3]).
#include <cmath>
#include <lumen/layers.hpp>
#include <lumen/model.hpp>
#include <random>

namespace lumen::testing {

struct BatchNormValues {
  Tensor scale, bias, mean, variance;
  float epsilon = 1e-3F;
  float a(std::int64_t c) const { return scale[c] / std::sqrt(variance[c] + epsilon); }
  float shift(std::int64_t c) const { return bias[c] - mean[c] * a(c); }
};

inline Model bn_net(std::uint64_t seed, bool fold_by_hand) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0F, 0.4F);
  std::uniform_real_distribution<float> u(0.0F, 1.0F);
  auto tensor = [&](const Shape& s) {
    Tensor t(s);
    for (float& v : t.values()) v = normal(rng);
    return t;
  };
  auto bn_values = [&](std::int64_t c, bool negative) {
    BatchNormValues v{Tensor({c}), Tensor({c}), Tensor({c}), Tensor({c})};
    for (std::int64_t i = 0; i < c; ++i) {
      v.scale[i] = (0.5F + u(rng)) * (negative && i % 2 ? -1.0F : 1.0F);
      v.bias[i] = u(rng) - 0.5F;
      v.mean[i] = u(rng) - 0.5F;
      v.variance[i] = 0.5F + u(rng);
    }
    return v;
  };
  auto bn_layer = [](const BatchNormValues& v) {
    return make_batch_norm(v.scale, v.bias, v.mean, v.variance, v.epsilon);
  };
  // Folds v into weight [C_out, ...] and bias (absent: zero).
  auto folded = [](const Tensor& w, const std::optional<Tensor>& b, const BatchNormValues& v) {
    Tensor fw = w;
    Tensor fb({w.dim(0)});
    const std::int64_t per = w.size() / w.dim(0);
    for (std::int64_t c = 0; c < w.dim(0); ++c) {
      for (std::int64_t i = 0; i < per; ++i) fw[c * per + i] *= v.a(c);
      fb[c] = v.a(c) * (b ? (*b)[c] : 0.0F) + v.shift(c);
    }
    return std::pair{fw, fb};
  };
  auto conv = [&](const Tensor& w, std::optional<Tensor> b) {
    Conv2dParams p;
    p.weight = w;
    p.bias = std::move(b);
    p.pads = {1, 1, 1, 1};
    return make_conv2d(std::move(p));
  };

  const Tensor w1 = tensor({4, 3, 3, 3});
  const Tensor b1 = tensor({4});
  const Tensor w2 = tensor({5, 4, 3, 3});
  const Tensor w3 = tensor({3, 5});
  const Tensor b3 = tensor({3});
  const auto bn1 = bn_values(4, false);
  const auto bn2 = bn_values(5, true);
  const auto bn3 = bn_values(5, true);
  const auto bn4 = bn_values(3, true);

  Graph g;
  const auto x = g.add_input("input", {3, 8, 8});
  NodeId c1, n1, c2, n2, fc, n4;
  if (fold_by_hand) {
    const auto [fw1, fb1] = folded(w1, b1, bn1);
    const auto [fw2, fb2] = folded(w2, std::nullopt, bn2);
    c1 = g.add_node("conv1", "", conv(fw1, fb1), {x});
    n1 = g.add_node("bn1", "", make_identity("Identity"), {c1});
    Pool2dParams pool;
    pool.kernel = {2, 2};
    pool.stride = {2, 2};
    const auto r1 = g.add_node("relu1", "", make_relu(), {n1});
    const auto p1 = g.add_node("pool1", "", make_max_pool2d(pool), {r1});
    c2 = g.add_node("conv2", "", conv(fw2, fb2), {p1});
    n2 = g.add_node("bn2", "", make_identity("Identity"), {c2});
  } else {
    c1 = g.add_node("conv1", "", conv(w1, b1), {x});
    n1 = g.add_node("bn1", "", bn_layer(bn1), {c1});
    Pool2dParams pool;
    pool.kernel = {2, 2};
    pool.stride = {2, 2};
    const auto r1 = g.add_node("relu1", "", make_relu(), {n1});
    const auto p1 = g.add_node("pool1", "", make_max_pool2d(pool), {r1});
    c2 = g.add_node("conv2", "", conv(w2, std::nullopt), {p1});
    n2 = g.add_node("bn2", "", bn_layer(bn2), {c2});
  }
  const auto r2 = g.add_node("relu2", "", make_relu(), {n2});
  const auto n3 = g.add_node("bn3", "", bn_layer(bn3), {r2});
  const auto gap = g.add_node("gap", "", make_global_average_pool(), {n3});
  const auto flat = g.add_node("flatten", "", make_flatten(1), {gap});
  if (fold_by_hand) {
    const auto [fw3, fb3] = folded(w3, b3, bn4);
    fc = g.add_node("fc", "", make_linear(fw3, fb3), {flat});
    n4 = g.add_node("bn4", "logits", make_identity("Identity"), {fc});
  } else {
    fc = g.add_node("fc", "", make_linear(w3, b3), {flat});
    n4 = g.add_node("bn4", "logits", bn_layer(bn4), {fc});
  }
  g.finalize(n4);
  return Model(std::move(g), InputSpec{{3, 8, 8}, {}, {}});
}

}  // namespace lumen::testing
