#include "local_nets.hpp"

#include <cmath>
#include <lumen/layers.hpp>

#include "test_models.hpp"

namespace lumen::testing {

namespace {

// Random layers with weights scaled by 1/sqrt(fan-in), each from its own seed.
class Layers {
 public:
  explicit Layers(std::uint64_t seed) : seed_(seed * 1000) {}

  std::shared_ptr<const Layer> conv(std::int64_t in, std::int64_t out, std::int64_t k,
                                    std::array<std::int64_t, 4> pads, std::int64_t stride = 1,
                                    std::int64_t dilation = 1, std::int64_t groups = 1) {
    Conv2dParams p;
    p.weight = scaled({out, in / groups, k, k}, in / groups * k * k);
    p.bias = random_tensor({out}, ++seed_, -0.1F, 0.1F);
    p.pads = pads;
    p.stride = {stride, stride};
    p.dilation = {dilation, dilation};
    p.groups = groups;
    return make_conv2d(std::move(p));
  }
  std::shared_ptr<const Layer> linear(std::int64_t in, std::int64_t out) {
    return make_linear(scaled({out, in}, in), random_tensor({out}, ++seed_, -0.1F, 0.1F));
  }
  std::shared_ptr<const Layer> batch_norm(std::int64_t channels) {
    Tensor scale = random_tensor({channels}, ++seed_, 0.5F, 1.5F);
    Tensor bias = random_tensor({channels}, ++seed_, -0.2F, 0.2F);
    Tensor mean = random_tensor({channels}, ++seed_, -0.2F, 0.2F);
    Tensor variance = random_tensor({channels}, ++seed_, 0.5F, 1.5F);
    return make_batch_norm(std::move(scale), std::move(bias), std::move(mean), std::move(variance),
                           1e-5F);
  }

 private:
  Tensor scaled(const Shape& shape, std::int64_t fan_in) {
    Tensor t = random_tensor(shape, ++seed_);
    const float scale = std::sqrt(3.0F / static_cast<float>(fan_in));
    for (float& v : t.values()) v *= scale;
    return t;
  }
  std::uint64_t seed_;
};

Pool2dParams pool(std::int64_t k, std::int64_t stride, std::array<std::int64_t, 4> pads,
                  std::int64_t dilation = 1) {
  Pool2dParams p;
  p.kernel = {k, k};
  p.stride = {stride, stride};
  p.pads = pads;
  p.dilation = {dilation, dilation};
  return p;
}

}  // namespace

Model strided_conv_net(std::uint64_t seed) {
  Layers l(seed);
  Graph g;
  auto x = g.add_input("input", {4, 20, 18});
  x = g.add_node("conv1", "", l.conv(4, 6, 3, {1, 1, 1, 1}), {x});
  x = g.add_node("relu1", "", make_relu(), {x});
  x = g.add_node("conv2", "", l.conv(6, 6, 3, {1, 0, 2, 1}, 2, 1, 2), {x});
  x = g.add_node("leaky", "", make_leaky_relu(0.1F), {x});
  x = g.add_node("conv3", "", l.conv(6, 8, 3, {2, 2, 2, 2}, 1, 2), {x});
  x = g.add_node("bn", "", l.batch_norm(8), {x});
  x = g.add_node("sigmoid", "", make_sigmoid(), {x});
  x = g.add_node("conv4", "", l.conv(8, 8, 1, {0, 0, 0, 0}, 2), {x});
  x = g.add_node("tanh", "", make_tanh(), {x});
  x = g.add_node("flatten", "", make_flatten(1), {x});
  x = g.add_node("fc", "logits", l.linear(8 * 6 * 5, 5), {x});
  g.finalize(x);
  return Model(std::move(g), InputSpec{{4, 20, 18}, {}, {}});
}

Model pooling_net(std::uint64_t seed, bool count_include_pad) {
  Layers l(seed);
  Graph g;
  auto x = g.add_input("input", {3, 19, 17});
  x = g.add_node("conv", "", l.conv(3, 5, 3, {1, 1, 1, 1}), {x});
  x = g.add_node("relu", "", make_relu(), {x});
  x = g.add_node("max1", "", make_max_pool2d(pool(3, 2, {1, 1, 1, 1})), {x});
  auto avg = pool(3, 2, {1, 1, 1, 1});
  avg.ceil_mode = true;
  avg.count_include_pad = count_include_pad;
  x = g.add_node("avg1", "", make_avg_pool2d(avg), {x});
  x = g.add_node("max2", "", make_max_pool2d(pool(2, 1, {1, 1, 1, 1}, 2)), {x});
  auto avg2 = pool(2, 1, {0, 1, 1, 0});
  avg2.count_include_pad = count_include_pad;
  x = g.add_node("avg2", "", make_avg_pool2d(avg2), {x});
  x = g.add_node("flatten", "", make_flatten(1), {x});
  x = g.add_node("fc", "logits", l.linear(5 * 6 * 5, 4), {x});
  g.finalize(x);
  return Model(std::move(g), InputSpec{{3, 19, 17}, {}, {}});
}

Model mixed_net(std::uint64_t seed) {
  Layers l(seed);
  Graph g;
  auto x = g.add_input("input", {3, 16, 16});
  x = g.add_node("conv1", "", l.conv(3, 6, 3, {1, 1, 1, 1}), {x});
  x = g.add_node("bn", "", l.batch_norm(6), {x});
  x = g.add_node("relu1", "", make_relu(), {x});
  x = g.add_node("lrn", "", make_lrn(3, 1e-2F, 0.75F, 1.0F), {x});
  const auto stem = g.add_node("dropout", "", make_identity("Dropout"), {x});
  auto a = g.add_node("conv_a", "", l.conv(6, 4, 3, {1, 1, 1, 1}), {stem});
  a = g.add_node("tanh", "", make_tanh(), {a});
  const auto b = g.add_node("conv_b", "", l.conv(6, 4, 1, {0, 0, 0, 0}), {stem});
  x = g.add_node("add", "", make_add(), {a, b});
  x = g.add_node("concat", "", make_concat(1), {x, stem});
  x = g.add_node("conv2", "", l.conv(10, 8, 3, {1, 1, 1, 1}, 2), {x});
  x = g.add_node("relu2", "", make_relu(), {x});
  x = g.add_node("pad", "", make_pad({0, 0, 1, 1, 0, 0, 1, 1}, PadMode::constant, 0.0F), {x});
  x = g.add_node("conv3", "", l.conv(8, 8, 3, {0, 0, 0, 0}), {x});
  x = g.add_node("gap", "", make_global_average_pool(), {x});
  x = g.add_node("flatten", "", make_flatten(1), {x});
  x = g.add_node("fc", "logits", l.linear(8, 3), {x});
  g.finalize(x);
  return Model(std::move(g), InputSpec{{3, 16, 16}, {}, {}});
}

Model deep_conv_net(std::uint64_t seed) {
  Layers l(seed);
  Graph g;
  auto x = g.add_input("input", {3, 32, 32});
  std::int64_t channels = 3;
  for (int i = 1; i <= 3; ++i) {
    x = g.add_node("conv" + std::to_string(i), "", l.conv(channels, 8, 3, {1, 1, 1, 1}), {x});
    x = g.add_node("relu" + std::to_string(i), "", make_relu(), {x});
    channels = 8;
  }
  x = g.add_node("gap", "", make_global_average_pool(), {x});
  x = g.add_node("flatten", "", make_flatten(1), {x});
  x = g.add_node("fc", "logits", l.linear(8, 4), {x});
  g.finalize(x);
  return Model(std::move(g), InputSpec{{3, 32, 32}, {}, {}});
}

}  // namespace lumen::testing
