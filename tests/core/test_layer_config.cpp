// The layer_config.hpp accessors give back exactly what each make_* constructor received, and
// nothing for layers of other types.
#include <catch2/catch.hpp>
#include <vector>

#include "lumen/layer_config.hpp"
#include "lumen/layers.hpp"

namespace {

using lumen::Tensor;

Tensor ramp(lumen::Shape shape, float start) {
  Tensor t(std::move(shape));
  for (std::int64_t i = 0; i < t.size(); ++i) t[i] = start + 0.25F * static_cast<float>(i);
  return t;
}

bool same(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && std::vector<float>(a.values().begin(), a.values().end()) ==
                                       std::vector<float>(b.values().begin(), b.values().end());
}

// Every layer type with a configuration accessor, plus some without.
std::vector<std::shared_ptr<const lumen::Layer>> zoo() {
  lumen::Conv2dParams conv;
  conv.weight = ramp({4, 2, 3, 3}, -1.0F);
  lumen::Pool2dParams pool;
  pool.kernel = {2, 2};
  pool.stride = {2, 2};
  return {lumen::make_conv2d(conv),
          lumen::make_max_pool2d(pool),
          lumen::make_avg_pool2d(pool),
          lumen::make_linear(ramp({3, 2}, 0.0F), std::nullopt),
          lumen::make_batch_norm(ramp({2}, 1.0F), ramp({2}, 0.0F), ramp({2}, 0.0F), ramp({2}, 1.0F),
                                 1e-3F),
          lumen::make_flatten(1),
          lumen::make_concat(1),
          lumen::make_softmax(1),
          lumen::make_reshape({2, -1}),
          lumen::make_leaky_relu(0.1F),
          lumen::make_relu(),
          lumen::make_sigmoid(),
          lumen::make_global_average_pool(),
          lumen::make_add(),
          lumen::make_identity("Dropout")};
}

// How many accessors answer for `layer`: at most one may.
int answers(const lumen::Layer& layer) {
  return lumen::conv2d_params(layer).has_value() + lumen::pool2d_params(layer).has_value() +
         lumen::linear_params(layer).has_value() + lumen::batch_norm_params(layer).has_value() +
         lumen::layer_axis(layer).has_value() + lumen::reshape_shape(layer).has_value() +
         lumen::leaky_relu_alpha(layer).has_value();
}

}  // namespace

TEST_CASE("conv2d_params returns the constructor's parameters", "[layer_config]") {
  lumen::Conv2dParams p;
  p.weight = ramp({6, 2, 3, 5}, -2.0F);
  p.bias = ramp({6}, 0.5F);
  p.stride = {2, 1};
  p.dilation = {1, 2};
  p.pads = {1, 2, 0, 3};
  p.groups = 2;
  const auto layer = lumen::make_conv2d(p);
  const auto got = lumen::conv2d_params(*layer);
  REQUIRE(got);
  CHECK(same(got->weight, p.weight));
  REQUIRE(got->bias);
  CHECK(same(*got->bias, *p.bias));
  CHECK(got->stride == p.stride);
  CHECK(got->dilation == p.dilation);
  CHECK(got->pads == p.pads);
  CHECK(got->groups == 2);
}

TEST_CASE("pool2d_params returns max and average pooling parameters", "[layer_config]") {
  lumen::Pool2dParams p;
  p.kernel = {3, 2};
  p.stride = {2, 1};
  p.pads = {1, 0, 1, 0};
  p.ceil_mode = true;
  for (const bool average : {false, true}) {
    p.count_include_pad = average;
    p.dilation = average ? std::array<std::int64_t, 2>{1, 1} : std::array<std::int64_t, 2>{1, 2};
    const auto layer = average ? lumen::make_avg_pool2d(p) : lumen::make_max_pool2d(p);
    const auto got = lumen::pool2d_params(*layer);
    REQUIRE(got);
    CHECK(got->kernel == p.kernel);
    CHECK(got->stride == p.stride);
    CHECK(got->dilation == p.dilation);
    CHECK(got->pads == p.pads);
    CHECK(got->ceil_mode);
    CHECK(got->count_include_pad == average);
  }
}

TEST_CASE("linear_params and batch_norm_params return the tensors given", "[layer_config]") {
  const auto w = ramp({3, 4}, -1.0F), b = ramp({3}, 2.0F);
  const auto with_bias = lumen::linear_params(*lumen::make_linear(w, b));
  REQUIRE(with_bias);
  CHECK(same(with_bias->weight, w));
  REQUIRE(with_bias->bias);
  CHECK(same(*with_bias->bias, b));
  const auto without = lumen::linear_params(*lumen::make_linear(w, std::nullopt));
  REQUIRE(without);
  CHECK_FALSE(without->bias);

  const auto scale = ramp({3}, 1.0F), shift = ramp({3}, -1.0F), mean = ramp({3}, 0.1F),
             var = ramp({3}, 2.0F);
  const auto bn = lumen::batch_norm_params(*lumen::make_batch_norm(scale, shift, mean, var, 0.01F));
  REQUIRE(bn);
  CHECK(same(bn->scale, scale));
  CHECK(same(bn->bias, shift));
  CHECK(same(bn->mean, mean));
  CHECK(same(bn->variance, var));
  CHECK(bn->epsilon == 0.01F);
}

TEST_CASE("a linear layer rebuilt with new parameters reports them", "[layer_config]") {
  const auto layer = lumen::make_linear(ramp({2, 2}, 0.0F), ramp({2}, 0.0F));
  const auto changed = layer->with_parameters({ramp({2, 2}, 5.0F), ramp({2}, 7.0F)});
  const auto got = lumen::linear_params(*changed);
  REQUIRE(got);
  CHECK(same(got->weight, ramp({2, 2}, 5.0F)));
  CHECK(same(*got->bias, ramp({2}, 7.0F)));
}

TEST_CASE("axis, reshape and leaky-relu accessors", "[layer_config]") {
  CHECK(lumen::layer_axis(*lumen::make_flatten(1)) == 1);
  CHECK(lumen::layer_axis(*lumen::make_flatten(-3)) == -3);
  CHECK(lumen::layer_axis(*lumen::make_concat(2)) == 2);
  CHECK(lumen::layer_axis(*lumen::make_concat(-1)) == -1);
  CHECK(lumen::layer_axis(*lumen::make_softmax(1)) == 1);
  CHECK(lumen::layer_axis(*lumen::make_softmax(-1)) == -1);
  CHECK(lumen::reshape_shape(*lumen::make_reshape({0, -1, 4})) == lumen::Shape{0, -1, 4});
  CHECK(lumen::leaky_relu_alpha(*lumen::make_leaky_relu(0.2F)) == 0.2F);
}

TEST_CASE("each layer answers to at most its own accessor", "[layer_config]") {
  const auto layers = zoo();
  const std::vector<int> expected{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0};
  REQUIRE(layers.size() == expected.size());
  for (std::size_t i = 0; i < layers.size(); ++i) {
    INFO(layers[i]->op_type());
    CHECK(answers(*layers[i]) == expected[i]);
  }
  CHECK_FALSE(lumen::pool2d_params(*lumen::make_global_average_pool()));
  CHECK_FALSE(lumen::leaky_relu_alpha(*lumen::make_relu()));
}

TEST_CASE("pool2d_windows lists the input rows and columns each output reads", "[layer_config]") {
  lumen::Pool2dParams p;
  p.kernel = {3, 2};
  p.stride = {2, 1};
  p.pads = {1, 0, 1, 0};
  p.dilation = {1, 2};
  const auto windows = lumen::pool2d_windows(*lumen::make_max_pool2d(p), 5, 5);
  REQUIRE(windows.has_value());
  // Rows: out = floor((5 + 2 - 3) / 2) + 1 = 3; output row o reads 2o - 1 .. 2o + 1 in [0, 5).
  CHECK(windows->rows == std::vector<std::vector<std::int64_t>>{{0, 1}, {1, 2, 3}, {3, 4}});
  // Columns: dilation 2, kernel 2: out = 5 - 2 = 3; output column o reads o and o + 2.
  CHECK(windows->cols == std::vector<std::vector<std::int64_t>>{{0, 2}, {1, 3}, {2, 4}});
  CHECK(lumen::pool2d_windows(*lumen::make_avg_pool2d(p), 5, 5)->rows == windows->rows);
  CHECK_FALSE(lumen::pool2d_windows(*lumen::make_relu(), 5, 5).has_value());
  CHECK_FALSE(lumen::pool2d_windows(*lumen::make_global_average_pool(), 5, 5).has_value());
}
