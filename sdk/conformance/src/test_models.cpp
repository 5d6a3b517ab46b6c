#include "lumen/conformance/test_models.hpp"

#include <cmath>
#include <lumen/layers.hpp>
#include <random>

namespace lumen::conformance {

namespace {

class Builder {
 public:
  Builder(std::uint64_t seed, bool bias) : rng_(seed), bias_(bias) {}

  Tensor weights(const Shape& shape, std::int64_t fan_in) {
    std::normal_distribution<float> normal(0.0F, 1.0F / std::sqrt(static_cast<float>(fan_in)));
    Tensor t(shape);
    for (float& v : t.values()) v = normal(rng_);
    return t;
  }
  std::optional<Tensor> bias(std::int64_t n) {
    if (!bias_) return std::nullopt;
    std::uniform_real_distribution<float> u(-0.1F, 0.1F);
    Tensor t({n});
    for (float& v : t.values()) v = u(rng_);
    return t;
  }
  std::shared_ptr<const Layer> conv(std::int64_t in, std::int64_t out, std::int64_t k,
                                    std::int64_t pad) {
    Conv2dParams p;
    p.weight = weights({out, in, k, k}, in * k * k);
    p.bias = bias(out);
    p.pads = {pad, pad, pad, pad};
    return make_conv2d(std::move(p));
  }
  std::shared_ptr<const Layer> linear(std::int64_t in, std::int64_t out) {
    return make_linear(weights({out, in}, in), bias(out));
  }
  // Scales of both signs (every other channel negative), variances in [0.5, 1.5).
  std::shared_ptr<const Layer> batch_norm(std::int64_t channels) {
    std::uniform_real_distribution<float> u(0.0F, 1.0F);
    Tensor scale({channels}), shift({channels}), mean({channels}), variance({channels});
    for (std::int64_t c = 0; c < channels; ++c) {
      scale[c] = (0.5F + u(rng_)) * (c % 2 ? -1.0F : 1.0F);
      shift[c] = u(rng_) - 0.5F;
      mean[c] = u(rng_) - 0.5F;
      variance[c] = 0.5F + u(rng_);
    }
    return make_batch_norm(scale, shift, mean, variance, 1e-5F);
  }

 private:
  std::mt19937_64 rng_;
  bool bias_;
};

}  // namespace

Model conv_net(std::uint64_t seed, bool bias) {
  Builder b(seed, bias);
  Graph g;
  auto x = g.add_input("input", {3, 8, 8});
  auto c1 = g.add_node("conv1", "conv1_out", b.conv(3, 4, 3, 1), {x});
  auto r1 = g.add_node("relu1", "relu1_out", make_relu(), {c1});
  Pool2dParams pool;
  pool.kernel = {2, 2};
  pool.stride = {2, 2};
  auto p1 = g.add_node("pool1", "pool1_out", make_max_pool2d(pool), {r1});
  auto c2 = g.add_node("conv2", "conv2_out", b.conv(4, 6, 3, 1), {p1});
  auto r2 = g.add_node("features", "features_out", make_relu(), {c2});
  auto gap = g.add_node("gap", "gap_out", make_global_average_pool(), {r2});
  auto flat = g.add_node("flatten", "flatten_out", make_flatten(1), {gap});
  auto fc = g.add_node("fc", "logits", b.linear(6, 5), {flat});
  auto sm = g.add_node("softmax", "probabilities", make_softmax(1), {fc});
  g.finalize(sm);
  return Model(std::move(g), InputSpec{{3, 8, 8}, {}, {}});
}

Model residual_net(std::uint64_t seed, bool bias) {
  Builder b(seed, bias);
  Graph g;
  auto x = g.add_input("input", {2, 8, 8});
  auto stem = g.add_node("stem", "", b.conv(2, 3, 3, 1), {x});
  auto stem_relu = g.add_node("stem_relu", "", make_relu(), {stem});
  auto a = g.add_node("block_conv1", "", b.conv(3, 3, 3, 1), {stem_relu});
  auto a_relu = g.add_node("block_relu", "", make_relu(), {a});
  auto bconv = g.add_node("block_conv2", "", b.conv(3, 3, 3, 1), {a_relu});
  auto sum = g.add_node("residual_add", "", make_add(), {bconv, stem_relu});
  auto features = g.add_node("features", "", make_relu(), {sum});
  auto cat = g.add_node("concat", "", make_concat(1), {features, stem_relu});
  Pool2dParams pool;
  pool.kernel = {2, 2};
  pool.stride = {2, 2};
  auto avg = g.add_node("avgpool", "", make_avg_pool2d(pool), {cat});
  auto flat = g.add_node("flatten", "", make_flatten(1), {avg});
  auto fc = g.add_node("fc", "logits", b.linear(6 * 4 * 4, 4), {flat});
  g.finalize(fc);
  return Model(std::move(g), InputSpec{{2, 8, 8}, {}, {}});
}

Model dense_net(std::uint64_t seed, bool bias) {
  Builder b(seed, bias);
  Graph g;
  auto x = g.add_input("input", {1, 4, 4});
  auto flat = g.add_node("flatten", "", make_flatten(1), {x});
  auto fc1 = g.add_node("fc1", "", b.linear(16, 8), {flat});
  auto relu = g.add_node("relu", "", make_relu(), {fc1});
  auto fc2 = g.add_node("fc2", "logits", b.linear(8, 3), {relu});
  g.finalize(fc2);
  return Model(std::move(g), InputSpec{{1, 4, 4}, {}, {}});
}

Model batch_norm_net(std::uint64_t seed) {
  Builder b(seed, true);
  Graph g;
  auto x = g.add_input("input", {3, 8, 8});
  auto c1 = g.add_node("conv1", "", b.conv(3, 4, 3, 1), {x});
  auto n1 = g.add_node("bn1", "", b.batch_norm(4), {c1});
  auto r1 = g.add_node("relu1", "", make_relu(), {n1});
  auto ca = g.add_node("conv_a", "", b.conv(4, 3, 3, 1), {r1});
  auto cb = g.add_node("conv_b", "", b.conv(4, 2, 1, 0), {r1});
  auto cat = g.add_node("concat", "", make_concat(1), {ca, cb});
  auto n2 = g.add_node("bn_concat", "", b.batch_norm(5), {cat});
  auto r2 = g.add_node("relu2", "", make_relu(), {n2});
  auto n3 = g.add_node("bn_after_relu", "", b.batch_norm(5), {r2});
  auto gap = g.add_node("gap", "", make_global_average_pool(), {n3});
  auto flat = g.add_node("flatten", "", make_flatten(1), {gap});
  auto fc = g.add_node("fc", "", b.linear(5, 4), {flat});
  auto n4 = g.add_node("bn_fc", "logits", b.batch_norm(4), {fc});
  g.finalize(n4);
  return Model(std::move(g), InputSpec{{3, 8, 8}, {}, {}});
}

Tensor random_tensor(const Shape& shape, std::uint64_t seed, float low, float high) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(low, high);
  Tensor t(shape);
  for (float& v : t.values()) v = u(rng);
  return t;
}

}  // namespace lumen::conformance
