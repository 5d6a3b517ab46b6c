// LRP through ConvTranspose and Resize (nearest and bilinear): both are linear layers, so every
// rule reaches them through forward_with / backward_with and the total is kept.
#include <catch2/catch.hpp>
#include <cmath>
#include <lumen/conv_transpose.hpp>
#include <lumen/layers.hpp>
#include <lumen/resize.hpp>
#include <random>

#include "explain_helpers.hpp"
#include "test_models.hpp"
#include "test_registry.hpp"

using namespace lumen;
using namespace lumen::testing;

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

// [4, 6, 6] -> conv -> relu -> ConvTranspose (stride 2, pad 1, output_padding 1, groups 2,
// dilation 2: 14x14) -> relu -> bilinear resize by 0.5 -> conv -> relu -> nearest upsample by 2
// -> GAP -> linear to 3 logits.
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

}  // namespace

TEST_CASE("lrp conserves the target logit through ConvTranspose and Resize", "[lrp][resize]") {
  for (std::uint64_t seed : {1U, 2U, 3U}) {
    const auto model = upsampling_net(seed, false);
    const Tensor x = random_tensor(model.batch_shape(2), seed + 40);
    const Tensor scores = logits(model, x);
    const std::vector<std::int64_t> targets{0, 2};
    for (const char* composite : {"", "epsilon-plus", "epsilon-plus-flat"}) {
      std::map<std::string, std::string> p{{"epsilon", "1e-9"}};
      if (*composite) p["composite"] = composite;
      const auto a = explain("lrp", model, x, targets, p);
      REQUIRE(a.map.shape() == x.shape());
      for (std::int64_t s = 0; s < 2; ++s) {
        const double f = scores[s * model.class_count() + targets[s]];
        CAPTURE(seed, composite, s, f);
        CHECK(sum(a.map.batch_slice(s)) == Approx(f).epsilon(1e-4));
      }
    }
  }
}

TEST_CASE("lrp through ConvTranspose and Resize: batch equals one by one", "[lrp][resize]") {
  const auto model = upsampling_net(4, true);
  const Tensor x = random_tensor(model.batch_shape(3), 11);
  check_batch_equals_samples("lrp", model, x, {0, 1, 2}, {}, 1e-5);
  check_batch_equals_samples("lrp", model, x, {2, 1, 0}, {{"composite", "epsilon-plus"}}, 1e-5);
}
