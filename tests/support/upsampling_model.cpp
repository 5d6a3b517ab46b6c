#include "upsampling_model.hpp"

#include <cmath>
#include <lumen/conv_transpose.hpp>
#include <lumen/layers.hpp>
#include <lumen/resize.hpp>
#include <optional>
#include <random>

namespace lumen::testing {

namespace {

Tensor normal(const Shape& shape, std::int64_t fan_in, std::mt19937_64& rng) {
  std::normal_distribution<float> d(0.0F, 1.0F / std::sqrt(static_cast<float>(fan_in)));
  Tensor t(shape);
  for (float& v : t.values()) v = d(rng);
  return t;
}

std::optional<Tensor> bias_of(bool bias, std::int64_t size, std::mt19937_64& rng) {
  if (!bias) return std::nullopt;
  return normal({size}, 10, rng);
}

std::shared_ptr<const Layer> conv(bool bias, std::mt19937_64& rng) {
  Conv2dParams p;
  p.weight = normal({4, 4, 3, 3}, 36, rng);
  p.bias = bias_of(bias, 4, rng);
  p.pads = {1, 1, 1, 1};
  return make_conv2d(std::move(p));
}

}  // namespace

Model upsampling_net(std::uint64_t seed, bool bias) {
  std::mt19937_64 rng(seed);
  Graph g;
  auto x = g.add_input("input", {4, 6, 6});
  auto c1 = g.add_node("conv1", "", conv(bias, rng), {x});
  auto r1 = g.add_node("relu1", "", make_relu(), {c1});
  ConvTranspose2dParams t;
  t.weight = normal({4, 2, 3, 3}, 18, rng);
  t.bias = bias_of(bias, 4, rng);
  t.stride = {2, 2};
  t.pads = {1, 1, 1, 1};
  t.output_padding = {1, 1};
  t.dilation = {2, 2};
  t.groups = 2;
  auto up = g.add_node("up", "", make_conv_transpose2d(std::move(t)), {r1});
  auto r2 = g.add_node("relu2", "", make_relu(), {up});
  auto down = g.add_node("down", "",
                         make_resize("Resize", {ResizeMode::linear,
                                                ResizeCoordinates::pytorch_half_pixel,
                                                NearestRounding::floor,
                                                {0.5, 0.5},
                                                std::nullopt}),
                         {r2});
  auto c2 = g.add_node("conv2", "", conv(bias, rng), {down});
  auto r3 = g.add_node("features", "", make_relu(), {c2});
  auto near = g.add_node("upsample", "",
                         make_resize("Upsample", {ResizeMode::nearest,
                                                  ResizeCoordinates::asymmetric,
                                                  NearestRounding::legacy,
                                                  {2.0, 2.0},
                                                  std::nullopt}),
                         {r3});
  auto gap = g.add_node("gap", "", make_global_average_pool(), {near});
  auto flat = g.add_node("flatten", "", make_flatten(1), {gap});
  auto fc = g.add_node("fc", "logits", make_linear(normal({3, 4}, 4, rng), bias_of(bias, 3, rng)),
                       {flat});
  g.finalize(fc);
  return Model(std::move(g), InputSpec{{4, 6, 6}, {}, {}});
}

}  // namespace lumen::testing
