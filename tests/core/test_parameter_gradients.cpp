// Finite-difference checks of every parameter gradient (Conv on random geometries, Gemm,
// BatchNormalization in inference and training mode), BN's training-mode input gradient, and the
// parameter replacement and running-statistics contracts.
#include <catch2/catch.hpp>
#include <cmath>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "gradcheck.hpp"
#include "lumen/error.hpp"
#include "lumen/layers.hpp"
#include "naive_backend.hpp"

using namespace lumen;
using lumen::testing::dot;
using lumen::testing::max_abs_difference;
using lumen::testing::naive_backend;
using lumen::testing::random_tensor;

namespace {

constexpr float step = 1e-2F;
constexpr double tolerance = 2e-3;

// f(x, params) = sum(g * output); `forward` evaluates the layer (in inference or training mode).
using ForwardFn = std::function<Tensor(const Layer&, const Tensor&)>;

Tensor inference_forward(const Layer& layer, const Tensor& x) {
  const Tensor* refs[] = {&x};
  return layer.forward(refs, *naive_backend(), nullptr);
}

Tensor training_forward(const Layer& layer, const Tensor& x) {
  const Tensor* refs[] = {&x};
  std::unique_ptr<LayerState> state;
  return layer.as_training()->forward_training(refs, *naive_backend(), &state);
}

std::vector<Tensor> copies(const Layer& layer) {
  std::vector<Tensor> values;
  for (const Tensor* p : layer.parameters()) values.push_back(*p);
  return values;
}

// Largest scaled difference between the analytic parameter gradients and central differences of
// f with respect to every parameter element; `where` tells where it was.
double worst_parameter_error(const Layer& layer, const Tensor& x, const Tensor& g,
                             const std::vector<Tensor>& analytic, const ForwardFn& forward,
                             std::string& where) {
  auto values = copies(layer);
  REQUIRE(analytic.size() == values.size());
  double worst = 0.0;
  for (std::size_t k = 0; k < values.size(); ++k) {
    REQUIRE(analytic[k].shape() == values[k].shape());
    for (std::int64_t i = 0; i < values[k].size(); ++i) {
      const float original = values[k][i];
      values[k][i] = original + step;
      const double up = dot(forward(*layer.with_parameters(values), x), g);
      values[k][i] = original - step;
      const double down = dot(forward(*layer.with_parameters(values), x), g);
      values[k][i] = original;
      const double numeric = (up - down) / (2.0 * step);
      const double error = std::abs(analytic[k][i] - numeric) / std::max(1.0, std::abs(numeric));
      if (error > worst) {
        worst = error;
        std::ostringstream out;
        out << layer.op_type() << " " << layer.describe() << ": parameter " << k << " element " << i
            << ": analytic " << analytic[k][i] << ", numeric " << numeric;
        where = out.str();
      }
    }
  }
  return worst;
}

void check_inference_parameters(const Layer& layer, const Tensor& x, std::uint64_t seed) {
  const Tensor* refs[] = {&x};
  std::unique_ptr<LayerState> state;
  const Tensor y = layer.forward(refs, *naive_backend(), &state);
  const Tensor g = random_tensor(y.shape(), seed);
  const auto analytic = layer.parameter_gradients(refs, y, state.get(), g, *naive_backend());
  std::string where;
  const double worst = worst_parameter_error(layer, x, g, analytic, inference_forward, where);
  INFO(where);
  CHECK(worst <= tolerance);
}

std::shared_ptr<const Layer> random_conv(std::mt19937_64& rng, Shape& input) {
  auto pick = [&](std::int64_t low, std::int64_t high) {
    return std::uniform_int_distribution<std::int64_t>(low, high)(rng);
  };
  Conv2dParams p;
  p.groups = pick(1, 3);
  const auto in_per_group = pick(1, 2), out_per_group = pick(1, 2);
  const auto kh = pick(1, 3), kw = pick(1, 3);
  p.stride = {pick(1, 3), pick(1, 3)};
  p.dilation = {pick(1, 2), pick(1, 2)};
  p.pads = {pick(0, 2), pick(0, 2), pick(0, 2), pick(0, 2)};
  const auto extent_h = p.dilation[0] * (kh - 1) + 1, extent_w = p.dilation[1] * (kw - 1) + 1;
  input = {pick(1, 3), in_per_group * p.groups, extent_h + pick(0, 4), extent_w + pick(0, 4)};
  p.weight = random_tensor({out_per_group * p.groups, in_per_group, kh, kw}, rng());
  if (pick(0, 1) == 1) p.bias = random_tensor({out_per_group * p.groups}, rng());
  return make_conv2d(std::move(p));
}

std::shared_ptr<const Layer> random_batch_norm(std::int64_t channels, std::uint64_t seed) {
  return make_batch_norm(random_tensor({channels}, seed, 0.5F, 2.0F),
                         random_tensor({channels}, seed + 1),
                         random_tensor({channels}, seed + 2, -0.5F, 0.5F),
                         random_tensor({channels}, seed + 3, 0.5F, 2.0F), 1e-3F);
}

}  // namespace

TEST_CASE("Conv parameter gradients match finite differences on random geometries") {
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 25; ++trial) {
    Shape input;
    const auto layer = random_conv(rng, input);
    INFO("trial " << trial << ": conv " << layer->describe() << " on " << to_string(input));
    check_inference_parameters(*layer, random_tensor(input, rng()), rng());
  }
}

TEST_CASE("Gemm parameter gradients match finite differences") {
  std::mt19937_64 rng(11);
  for (int trial = 0; trial < 8; ++trial) {
    const std::int64_t n = 1 + trial % 3, in = 2 + trial, out = 1 + (trial * 3) % 5;
    std::optional<Tensor> bias;
    if (trial % 2 == 0) bias = random_tensor({out}, rng());
    const auto layer = make_linear(random_tensor({out, in}, rng()), bias);
    INFO("Gemm " << layer->describe() << " batch " << n);
    check_inference_parameters(*layer, random_tensor({n, in}, rng()), rng());
  }
}

TEST_CASE("BatchNormalization inference parameter gradients match finite differences") {
  check_inference_parameters(*random_batch_norm(3, 20), random_tensor({2, 3, 4, 5}, 21), 22);
  check_inference_parameters(*random_batch_norm(4, 30), random_tensor({3, 4}, 31), 32);
}

TEST_CASE("BatchNormalization training mode: input and parameter gradients by finite differences") {
  const std::pair<std::int64_t, Shape> cases[] = {
      {3, {2, 3, 4, 5}}, {4, {5, 4}}, {2, {1, 2, 3, 3}}, {2, {3, 2, 7}}};
  std::uint64_t seed = 40;
  for (const auto& [channels, shape] : cases) {
    INFO("input " << to_string(shape));
    const auto layer = random_batch_norm(channels, ++seed);
    REQUIRE(layer->as_training() != nullptr);
    const Tensor x = random_tensor(shape, ++seed, -2.0F, 2.0F);
    const Tensor* refs[] = {&x};
    std::unique_ptr<LayerState> state;
    const Tensor y = layer->as_training()->forward_training(refs, *naive_backend(), &state);
    const Tensor g = random_tensor(y.shape(), ++seed);

    const auto dx = layer->backward(refs, y, state.get(), g, *naive_backend());
    REQUIRE(dx.size() == 1);
    Tensor probe = x;
    double worst = 0.0;
    for (std::int64_t i = 0; i < x.size(); ++i) {
      probe[i] = x[i] + step;
      const double up = dot(training_forward(*layer, probe), g);
      probe[i] = x[i] - step;
      const double down = dot(training_forward(*layer, probe), g);
      probe[i] = x[i];
      const double numeric = (up - down) / (2.0 * step);
      worst = std::max(worst, std::abs(dx[0][i] - numeric) / std::max(1.0, std::abs(numeric)));
    }
    CHECK(worst <= tolerance);

    const auto analytic = layer->parameter_gradients(refs, y, state.get(), g, *naive_backend());
    std::string where;
    const double parameter_worst =
        worst_parameter_error(*layer, x, g, analytic, training_forward, where);
    INFO(where);
    CHECK(parameter_worst <= tolerance);
  }
}

TEST_CASE("BatchNormalization training forward normalises each channel with batch statistics") {
  const auto layer = make_batch_norm(Tensor({2}, {2.0F, 0.5F}), Tensor({2}, {1.0F, -1.0F}),
                                     Tensor({2}, 0.0F), Tensor({2}, 1.0F), 0.0F);
  // Channel 0 holds {1, 3, 5, 7} (mean 4, variance 5), channel 1 holds {0, 0, 2, 2}.
  const Tensor x({2, 2, 2}, {1, 3, 0, 0, 5, 7, 2, 2});
  const Tensor* refs[] = {&x};
  std::unique_ptr<LayerState> state;
  const Tensor y = layer->as_training()->forward_training(refs, *naive_backend(), &state);
  const double s5 = std::sqrt(5.0);
  const std::vector<double> expected = {1 + 2 * (-3 / s5), 1 + 2 * (-1 / s5), -1 - 0.5, -1 - 0.5,
                                        1 + 2 * (1 / s5),  1 + 2 * (3 / s5),  -1 + 0.5, -1 + 0.5};
  for (std::int64_t i = 0; i < y.size(); ++i) {
    CHECK(y[i] == Approx(expected[static_cast<std::size_t>(i)]).margin(1e-5));
  }

  // Running statistics: momentum 0.25 towards the mean and the unbiased variance (20/3 and 4/3).
  const LayerState* states[] = {state.get()};
  const auto updated = layer->as_training()->with_running_statistics(states, 0.25F);
  // Inference of the updated layer at x = mean_running is exactly the bias.
  const float m0 = 0.25F * 4.0F, m1 = 0.25F * 1.0F;
  const Tensor at_mean({1, 2, 1}, {m0, m1});
  const Tensor out = inference_forward(*updated, at_mean);
  CHECK(out[0] == Approx(1.0F).margin(1e-6));
  CHECK(out[1] == Approx(-1.0F).margin(1e-6));
  // One above the mean: scale / sqrt(running variance).
  const Tensor above({1, 2, 1}, {m0 + 1.0F, m1 + 1.0F});
  const Tensor out_above = inference_forward(*updated, above);
  CHECK(out_above[0] - 1.0F == Approx(2.0 / std::sqrt(0.75 + 0.25 * 20.0 / 3.0)).epsilon(1e-5));
  CHECK(out_above[1] + 1.0F == Approx(0.5 / std::sqrt(0.75 + 0.25 * 4.0 / 3.0)).epsilon(1e-5));

  // Two states average in order; a batch with one value per channel has no statistics.
  const LayerState* twice[] = {state.get(), state.get()};
  const auto same = layer->as_training()->with_running_statistics(twice, 0.25F);
  CHECK(max_abs_difference(inference_forward(*same, above), out_above) == 0.0);
  const Tensor single({1, 2}, {1.0F, 2.0F});
  const Tensor* single_refs[] = {&single};
  CHECK_THROWS_AS(layer->as_training()->forward_training(single_refs, *naive_backend(), &state),
                  ShapeError);
  CHECK_THROWS_AS(layer->as_training()->with_running_statistics({}, 0.1F), InvalidArgument);
}

TEST_CASE("with_parameters makes a new layer and checks the parameters' shapes") {
  Conv2dParams p;
  p.weight = random_tensor({2, 1, 3, 3}, 60);
  p.bias = random_tensor({2}, 61);
  const auto conv = make_conv2d(p);
  const Tensor x = random_tensor({1, 1, 5, 5}, 62);
  auto values = copies(*conv);
  REQUIRE(values.size() == 2);
  CHECK(max_abs_difference(inference_forward(*conv->with_parameters(values), x),
                           inference_forward(*conv, x)) == 0.0);
  values[1] = Tensor({2}, 0.0F);
  values[0] = Tensor({2, 1, 3, 3}, 0.0F);
  const auto zero = conv->with_parameters(values);
  CHECK(max_abs_difference(inference_forward(*zero, x), Tensor({1, 2, 3, 3}, 0.0F)) == 0.0);
  CHECK(conv->parameters()[0]->data() != zero->parameters()[0]->data());  // the original stays

  CHECK_THROWS_WITH(conv->with_parameters({Tensor({2, 1, 3, 3})}),
                    Catch::Contains("expects 2 parameters (weight, bias)"));
  CHECK_THROWS_WITH(conv->with_parameters({Tensor({2, 1, 3, 3}), Tensor({3})}),
                    Catch::Contains("'bias' has shape [3], expected [2]"));
  const auto gemm = make_linear(random_tensor({3, 4}, 63), std::nullopt);
  CHECK(gemm->parameters().size() == 1);
  CHECK_THROWS_AS(gemm->with_parameters({Tensor({4, 3})}), InvalidArgument);
  CHECK(make_relu()->parameters().empty());
  CHECK_THROWS_AS(make_relu()->with_parameters({}), InvalidArgument);
  CHECK(make_relu()->as_training() == nullptr);
}
