// Finite-difference checks of every built-in layer's backward pass, and batch independence.
#include <catch2/catch.hpp>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "gradcheck.hpp"
#include "lumen/binary_layers.hpp"
#include "lumen/layers.hpp"
#include "lumen/math_layers.hpp"
#include "lumen/normalisation_layers.hpp"
#include "naive_backend.hpp"

using namespace lumen;
using lumen::testing::check_layer_gradient;
using lumen::testing::forward_of;
using lumen::testing::naive_backend;
using lumen::testing::random_away_from_zero;
using lumen::testing::random_distinct_tensor;
using lumen::testing::random_tensor;

namespace {

// How a case draws its inputs: uniform, away from the kinks at 0, without near-ties, over [-4, 4]
// kept at least 0.05 (more than the difference step) from the case's kinks, or in [0.5, 3] (for
// functions defined only for positive inputs, and divisors: their curvature stays small).
enum class Draw { uniform, away_from_zero, distinct, away_from_kinks, positive };

struct LayerCase {
  std::string name;
  std::shared_ptr<const Layer> layer;
  std::vector<Shape> input_shapes;  // batch first
  Draw draw = Draw::uniform;
  std::vector<float> kinks = {};  // for Draw::away_from_kinks
};

Tensor away_from_kinks(const Shape& shape, std::uint64_t seed, const std::vector<float>& kinks) {
  constexpr float gap = 0.05F;
  Tensor t = random_tensor(shape, seed, -4.0F, 4.0F);
  for (std::int64_t i = 0; i < t.size(); ++i) {
    for (const float k : kinks) {
      if (std::fabs(t[i] - k) < gap) t[i] = t[i] < k ? k - gap : k + gap;
    }
  }
  return t;
}

std::vector<Tensor> draw_inputs(const LayerCase& c, std::uint64_t seed) {
  std::vector<Tensor> inputs;
  for (const auto& shape : c.input_shapes) {
    const auto s = seed * 131 + inputs.size();
    switch (c.draw) {
      case Draw::uniform: inputs.push_back(random_tensor(shape, s, -2.0F, 2.0F)); break;
      case Draw::away_from_zero: inputs.push_back(random_away_from_zero(shape, s)); break;
      case Draw::distinct: inputs.push_back(random_distinct_tensor(shape, s)); break;
      case Draw::away_from_kinks: inputs.push_back(away_from_kinks(shape, s, c.kinks)); break;
      case Draw::positive: inputs.push_back(random_tensor(shape, s, 0.5F, 3.0F)); break;
    }
  }
  return inputs;
}

struct ConvCase {
  Shape input;
  std::int64_t out_channels, kernel_h, kernel_w;
  std::array<std::int64_t, 2> stride, dilation;
  std::array<std::int64_t, 4> pads;
  std::int64_t groups;
  bool bias;
};

std::vector<LayerCase> conv_cases() {
  const ConvCase cases[] = {
      {{1, 2, 5, 5}, 3, 3, 3, {1, 1}, {1, 1}, {0, 0, 0, 0}, 1, true},
      {{3, 2, 6, 7}, 4, 3, 3, {2, 2}, {1, 1}, {1, 1, 1, 1}, 1, false},
      {{1, 4, 7, 6}, 4, 2, 3, {3, 3}, {2, 2}, {0, 1, 2, 1}, 2, true},
      {{3, 3, 5, 5}, 6, 3, 3, {1, 1}, {2, 2}, {2, 2, 2, 2}, 3, true},   // depthwise, multiplier 2
      {{3, 3, 6, 5}, 3, 3, 3, {2, 1}, {1, 1}, {1, 0, 0, 2}, 3, false},  // depthwise
      {{2, 2, 8, 5}, 2, 1, 1, {2, 1}, {1, 1}, {0, 0, 0, 0}, 1, false},
      {{3, 2, 9, 9}, 2, 3, 2, {3, 2}, {2, 1}, {1, 1, 1, 1}, 1, true},
  };
  std::vector<LayerCase> out;
  std::uint64_t seed = 100;
  for (const auto& c : cases) {
    Conv2dParams p;
    p.weight =
        random_tensor({c.out_channels, c.input[1] / c.groups, c.kernel_h, c.kernel_w}, ++seed);
    if (c.bias) p.bias = random_tensor({c.out_channels}, ++seed);
    p.stride = c.stride;
    p.dilation = c.dilation;
    p.pads = c.pads;
    p.groups = c.groups;
    auto layer = make_conv2d(p);
    out.push_back({"conv " + layer->describe(), layer, {c.input}});
  }
  return out;
}

std::vector<LayerCase> pool_cases() {
  struct PoolCase {
    Shape input;
    Pool2dParams p;
  };
  const PoolCase cases[] = {
      {{1, 2, 4, 4}, {{2, 2}, {2, 2}, {1, 1}, {0, 0, 0, 0}, false, false}},
      {{3, 2, 7, 7}, {{3, 3}, {2, 2}, {1, 1}, {1, 1, 1, 1}, true, false}},
      {{2, 1, 6, 7}, {{3, 3}, {2, 2}, {1, 1}, {1, 1, 1, 1}, true, true}},  // ceil overhang
      {{1, 2, 7, 8}, {{2, 3}, {1, 2}, {2, 1}, {1, 0, 0, 2}, true, true}},
      {{3, 1, 5, 6}, {{3, 2}, {3, 1}, {1, 2}, {2, 1, 0, 1}, false, true}},
      {{2, 3, 5, 5}, {{5, 5}, {1, 1}, {1, 1}, {0, 0, 0, 0}, false, false}},
  };
  std::vector<LayerCase> out;
  for (const auto& c : cases) {
    auto max_pool = make_max_pool2d(c.p);
    out.push_back({"max pool " + max_pool->describe(), max_pool, {c.input}, Draw::distinct});
    auto avg = make_avg_pool2d(c.p);
    out.push_back({"avg pool " + avg->describe(), avg, {c.input}});
    auto p = c.p;
    p.count_include_pad = !p.count_include_pad;
    avg = make_avg_pool2d(p);
    out.push_back({"avg pool " + avg->describe(), avg, {c.input}});
  }
  out.push_back({"global average pool", make_global_average_pool(), {{3, 2, 4, 5}}});
  out.push_back({"global average pool rank 3", make_global_average_pool(), {{2, 3, 7}}});
  return out;
}

std::vector<LayerCase> other_cases() {
  auto bn = [](std::int64_t c, std::uint64_t seed) {
    return make_batch_norm(random_tensor({c}, seed), random_tensor({c}, seed + 1),
                           random_tensor({c}, seed + 2), random_tensor({c}, seed + 3, 0.1F, 2.0F),
                           1e-3F);
  };
  return {
      {"linear with bias", make_linear(random_tensor({3, 5}, 1), random_tensor({3}, 2)), {{1, 5}}},
      {"linear without bias", make_linear(random_tensor({2, 4}, 3), std::nullopt), {{3, 4}}},
      {"linear over the last axis of [N,H,W,C]",
       make_linear(random_tensor({5, 3}, 6), random_tensor({5}, 7)),
       {{2, 2, 3, 3}}},
      {"linear over the last axis of [N,L,C]",
       make_linear(random_tensor({2, 4}, 8), std::nullopt),
       {{3, 5, 4}}},
      {"gelu", make_gelu(GeluApproximation::none), {{3, 2, 3, 3}}},
      {"gelu tanh", make_gelu(GeluApproximation::tanh), {{2, 7}}},
      {"erf", make_erf(), {{3, 2, 2, 3}}},
      {"sqrt", make_sqrt(), {{2, 3, 2, 2}}, Draw::positive},
      {"pow 2", make_pow(2.0F), {{3, 5}}},
      {"pow 3", make_pow(3.0F), {{2, 2, 2, 2}}},
      {"pow 0.5", make_pow(0.5F), {{2, 6}}, Draw::positive},
      {"pow -1.5", make_pow(-1.5F), {{2, 6}}, Draw::positive},
      {"reciprocal", make_reciprocal(), {{3, 4}}, Draw::positive},
      {"exp", make_exp(), {{2, 3, 2, 2}}},
      {"abs", make_abs(), {{3, 5}}, Draw::away_from_zero},
      {"relu", make_relu(), {{3, 2, 3, 3}}, Draw::away_from_zero},
      {"leaky relu", make_leaky_relu(0.2F), {{2, 7}}, Draw::away_from_zero},
      {"sigmoid", make_sigmoid(), {{3, 2, 3, 3}}},
      {"tanh", make_tanh(), {{1, 11}}},
      {"clip (relu6)", make_clip(0.0F, 6.0F), {{2, 3, 2, 2}}, Draw::away_from_kinks, {0.0F}},
      {"clip", make_clip(-1.0F, 1.5F), {{3, 2, 3, 3}}, Draw::away_from_kinks, {-1.0F, 1.5F}},
      {"hard sigmoid",
       make_hard_sigmoid(0.5F, 0.4F),
       {{2, 17}},
       Draw::away_from_kinks,
       {-0.8F, 1.2F}},
      {"hard swish", make_hard_swish(), {{3, 2, 3, 3}}, Draw::away_from_kinks, {-3.0F, 3.0F}},
      {"batch norm NCHW", bn(3, 10), {{3, 3, 2, 4}}},
      {"batch norm NC", bn(4, 20), {{2, 4}}},
      {"lrn size 5", make_lrn(5, 0.8F, 0.75F, 1.0F), {{2, 6, 3, 2}}},
      {"lrn size 2", make_lrn(2, 1.5F, 0.6F, 2.0F), {{3, 4, 2, 2}}},
      {"lrn size 3 on [N,C]", make_lrn(3, 0.5F, 1.2F, 0.5F), {{2, 5}}},
      {"layer norm",
       make_layer_norm(-1, random_tensor({4}, 30), random_tensor({4}, 31), 1e-3F),
       {{2, 3, 4}}},
      {"reduce mean", make_reduce_mean({1, 3}, false), {{2, 3, 2, 4}}},
      {"softmax [N,K]", make_softmax(1), {{3, 7}}},
      {"softmax last axis", make_softmax(-1), {{1, 4}}},
      {"softmax over channels", make_softmax(1), {{2, 4, 2, 3}}},
      {"pad constant", make_pad({0, 0, 1, 2, 0, 0, 2, 1}, PadMode::constant, 0.5F), {{2, 2, 3, 4}}},
      {"pad constant cropping",
       make_pad({0, 1, -1, 0, 0, -1, 2, -2}, PadMode::constant, -1.0F),
       {{2, 3, 4, 5}}},
      {"pad reflect", make_pad({0, 0, 2, 1, 0, 1, 3, 2}, PadMode::reflect, 0.0F), {{1, 2, 4, 4}}},
      {"pad edge", make_pad({0, 1, 3, 0, 0, 0, 1, 4}, PadMode::edge, 0.0F), {{3, 2, 2, 3}}},
      {"pad edge cropping",
       make_pad({0, 0, -1, 2, 0, 0, 3, -2}, PadMode::edge, 0.0F),
       {{2, 1, 4, 5}}},
      {"concat axis 1", make_concat(1), {{2, 3, 4}, {2, 1, 4}, {2, 2, 4}}},
      {"concat axis -1", make_concat(-1), {{3, 2, 2, 2}, {3, 2, 2, 5}}},
      {"add", make_add(), {{2, 3, 2, 2}, {2, 3, 2, 2}, {2, 3, 2, 2}}},
      {"add broadcast", make_add(), {{2, 3, 2, 2}, {2, 3, 1, 1}, {2, 1, 2, 1}}},
      {"mul", make_mul(), {{2, 3, 2, 2}, {2, 3, 2, 2}}},
      {"mul gate second", make_mul(), {{2, 3, 2, 2}, {2, 3, 1, 1}}},
      {"mul gate first", make_mul(), {{2, 3, 1, 1}, {2, 3, 2, 2}}},
      {"mul both broadcast", make_mul(), {{2, 3, 1, 4}, {2, 1, 2, 1}}},
      {"sub", make_sub(), {{3, 4}, {3, 4}}},
      {"div", make_div(), {{2, 3, 2, 2}, {2, 3, 2, 2}}, Draw::positive},
      {"div by a broadcast divisor", make_div(), {{2, 3, 2, 2}, {2, 1, 2, 2}}, Draw::positive},
      {"div of a broadcast numerator", make_div(), {{2, 1, 1, 2}, {2, 3, 2, 2}}, Draw::positive},
      {"sub broadcast", make_sub(), {{2, 3, 1, 1}, {2, 3, 2, 2}}},
      {"add constant", make_add_constant(random_tensor({3, 1, 2}, 5)), {{2, 3, 4, 2}}},
      {"add scalar", make_add_constant(Tensor({}, 2.5F)), {{3, 4}}},
      {"reshape", make_reshape({0, -1}), {{2, 3, 2, 2}}},
      {"reshape to 3-d", make_reshape({3, 2, 2}), {{3, 12}}},
      {"flatten", make_flatten(1), {{3, 2, 3, 2}}},
      {"flatten negative axis", make_flatten(-3), {{1, 2, 2, 2}}},
      {"identity", make_identity("Identity"), {{2, 5}}},
      {"dropout", make_identity("Dropout"), {{1, 3, 2, 2}}},
  };
}

std::vector<LayerCase> all_cases() {
  auto cases = conv_cases();
  for (auto more : {pool_cases(), other_cases()}) {
    cases.insert(cases.end(), more.begin(), more.end());
  }
  return cases;
}

void check_gradients(const std::vector<LayerCase>& cases) {
  for (const auto& c : cases) {
    for (std::uint64_t seed : {1, 2, 3}) {
      const auto inputs = draw_inputs(c, seed);
      lumen::testing::GradcheckOptions options;
      options.seed = seed + 1000;
      const auto result = check_layer_gradient(*c.layer, inputs, *naive_backend(), options);
      INFO(c.name << ", seed " << seed << ": " << result.report);
      CHECK(result.ok);
    }
  }
}

}  // namespace

TEST_CASE("conv2d backward matches finite differences", "[layers]") {
  check_gradients(conv_cases());
}

TEST_CASE("pooling backward matches finite differences", "[layers]") {
  check_gradients(pool_cases());
}

TEST_CASE("max pooling backward recomputes the winners without a state", "[layers]") {
  for (const auto& c : pool_cases()) {
    if (c.layer->op_type() != "MaxPool") continue;
    const auto result = check_layer_gradient(*c.layer, draw_inputs(c, 7), *naive_backend(), {},
                                             /*with_state=*/false);
    INFO(c.name << ": " << result.report);
    CHECK(result.ok);
  }
}

TEST_CASE("other layers' backward matches finite differences", "[layers]") {
  check_gradients(other_cases());
}

TEST_CASE("every layer treats the samples of a batch independently", "[layers]") {
  const auto cases = all_cases();
  CHECK(cases.size() > 40);
  for (const auto& c : cases) {
    auto shapes = c.input_shapes;
    for (auto& s : shapes) s[0] = 3;
    const auto batch = draw_inputs({c.name, c.layer, shapes, c.draw}, 5);
    const Tensor together = forward_of(*c.layer, batch, *naive_backend());
    std::vector<Tensor> parts;
    for (std::int64_t n = 0; n < 3; ++n) {
      std::vector<Tensor> sample;
      for (const auto& t : batch) sample.push_back(t.batch_slice(n));
      parts.push_back(forward_of(*c.layer, sample, *naive_backend()));
    }
    INFO(c.name);
    const Tensor separately = Tensor::concat_batch(parts);
    REQUIRE(together.shape() == separately.shape());
    CHECK(lumen::testing::max_abs_difference(together, separately) == 0.0);
    std::vector<Shape> input_shapes;
    for (const auto& t : batch) input_shapes.push_back(t.shape());
    CHECK(c.layer->output_shape(input_shapes) == together.shape());
  }
}
