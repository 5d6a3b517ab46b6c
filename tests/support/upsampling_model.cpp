#include "upsampling_model.hpp"

#include <cmath>
#include <lumen/conv_transpose.hpp>
#include <lumen/layers.hpp>
#include <lumen/resize.hpp>
#include <random>

#include "random_layers.hpp"

namespace lumen::testing {

// Biases as large as a weight of fan-in 10.
const float kBiasStddev = 1.0F / std::sqrt(10.0F);

Model upsampling_net(std::uint64_t seed, bool bias) {
  std::mt19937_64 rng(seed);
  Graph g;
  auto x = g.add_input("input", {4, 6, 6});
  auto c1 = g.add_node("conv1", "", normal_conv(4, 4, 3, bias, kBiasStddev, rng), {x});
  auto r1 = g.add_node("relu1", "", make_relu(), {c1});
  ConvTranspose2dParams t;
  t.weight = normal_tensor({4, 2, 3, 3}, 1.0F / std::sqrt(18.0F), rng);
  t.bias = normal_bias(bias, 4, kBiasStddev, rng);
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
  auto c2 = g.add_node("conv2", "", normal_conv(4, 4, 3, bias, kBiasStddev, rng), {down});
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
  // Drawn one after the other (the order of a call's arguments is unspecified): the bias first,
  // as GCC evaluated them when the two draws were arguments of one call.
  auto fc_bias = normal_bias(bias, 3, kBiasStddev, rng);
  auto fc_weight = normal_tensor({3, 4}, 0.5F, rng);
  auto fc =
      g.add_node("fc", "logits", make_linear(std::move(fc_weight), std::move(fc_bias)), {flat});
  g.finalize(fc);
  return Model(std::move(g), InputSpec{{4, 6, 6}, {}, {}});
}

}  // namespace lumen::testing
