// Whole-model parameter gradients (training-mode batch-norm, a residual add, pooling) against
// finite differences of the loss, frozen nodes, and model rebuilding.
#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <vector>

#include "lumen/error.hpp"
#include "lumen/layers.hpp"
#include "lumen/training/backprop.hpp"
#include "lumen/training/loss.hpp"
#include "naive_backend.hpp"

using namespace lumen;
using namespace lumen::training;
using lumen::testing::naive_backend;

namespace {

Tensor random_tensor(Shape shape, std::mt19937_64& rng, float scale = 1.0F) {
  Tensor t(std::move(shape));
  std::uniform_real_distribution<float> u(-scale, scale);
  for (auto& v : t.values()) v = u(rng);
  return t;
}

// conv - BN - ReLU - conv, added to the BN's output, max-pool, GAP, flatten, dense (4 classes).
Model small_residual_model(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  Graph g;
  const auto in = g.add_input("input", {2, 6, 6});
  Conv2dParams p1;
  p1.weight = random_tensor({3, 2, 3, 3}, rng, 0.5F);
  p1.bias = random_tensor({3}, rng, 0.1F);
  p1.pads = {1, 1, 1, 1};
  const auto c1 = g.add_node("conv1", "c1", make_conv2d(p1), {in});
  const auto bn = g.add_node("bn", "bn",
                             make_batch_norm(random_tensor({3}, rng, 0.5F), random_tensor({3}, rng),
                                             Tensor({3}, 0.0F), Tensor({3}, 1.0F), 1e-5F),
                             {c1});
  const auto r = g.add_node("relu", "relu", make_relu(), {bn});
  Conv2dParams p2;
  p2.weight = random_tensor({3, 3, 3, 3}, rng, 0.4F);
  p2.pads = {1, 1, 1, 1};
  const auto c2 = g.add_node("conv2", "c2", make_conv2d(p2), {r});
  const auto add = g.add_node("add", "add", make_add(), {c2, bn});
  Pool2dParams pool;
  pool.kernel = {2, 2};
  pool.stride = {2, 2};
  const auto mp = g.add_node("pool", "pool", make_max_pool2d(pool), {add});
  const auto gap = g.add_node("gap", "gap", make_global_average_pool(), {mp});
  const auto flat = g.add_node("flatten", "flatten", make_flatten(1), {gap});
  const auto dense = g.add_node(
      "dense", "dense", make_linear(random_tensor({4, 3}, rng), random_tensor({4}, rng)), {flat});
  g.finalize(dense);
  return Model(std::move(g), InputSpec{{2, 6, 6}, {}, {}});
}

double loss_of(const Model& model, const Tensor& x, const std::vector<std::int64_t>& labels) {
  const auto pass = forward_pass(model, x, *naive_backend(), true);
  double sum = 0.0;
  for (double l : softmax_cross_entropy(pass.outputs[model.logits_node()], labels).losses) {
    sum += l;
  }
  return sum;
}

}  // namespace

TEST_CASE("model parameter gradients match finite differences of the training-mode loss") {
  const Model model = small_residual_model(3);
  std::mt19937_64 rng(4);
  const Tensor x = random_tensor({3, 2, 6, 6}, rng, 2.0F);
  const std::vector<std::int64_t> labels = {0, 3, 1};
  const auto pass = forward_pass(model, x, *naive_backend(), true);
  auto ce = softmax_cross_entropy(pass.outputs[model.logits_node()], labels);
  const auto grads =
      parameter_gradients(model, pass, {{model.logits_node(), ce.gradient}}, *naive_backend());
  auto params = model_parameters(model);
  REQUIRE(grads.size() == params.size());
  REQUIRE(params.size() == 7);  // conv1 w, b; bn scale, bias; conv2 w; dense w, b
  const float h = 1e-3F;
  double worst = 0.0;
  std::int64_t checked = 0;
  for (std::size_t k = 0; k < params.size(); ++k) {
    REQUIRE(grads[k].shape() == params[k].shape());
    for (std::int64_t i = 0; i < params[k].size(); ++i) {
      const float original = params[k][i];
      params[k][i] = original + h;
      const double up = loss_of(with_parameters(model, params), x, labels);
      params[k][i] = original - h;
      const double down = loss_of(with_parameters(model, params), x, labels);
      params[k][i] = original;
      const double numeric = (up - down) / (2.0 * h);
      const double error = std::abs(grads[k][i] - numeric) / std::max(1.0, std::abs(numeric));
      worst = std::max(worst, error);
      ++checked;
    }
  }
  CHECK(checked == 54 + 3 + 6 + 81 + 12 + 4);
  CHECK(worst < 5e-3);
}

TEST_CASE("frozen nodes get zero gradients and the others are unchanged") {
  const Model model = small_residual_model(5);
  std::mt19937_64 rng(6);
  const Tensor x = random_tensor({2, 2, 6, 6}, rng);
  const auto pass = forward_pass(model, x, *naive_backend(), true);
  const Tensor seed = random_tensor({2, 4}, rng);
  const std::vector<Seed> seeds = {{model.logits_node(), seed}};
  const auto all = parameter_gradients(model, pass, seeds, *naive_backend());
  const auto some =
      parameter_gradients(model, pass, seeds, *naive_backend(), {model.graph().at("conv1")});
  for (std::int64_t i = 0; i < some[0].size(); ++i) CHECK(some[0][i] == 0.0F);
  for (std::size_t k = 2; k < all.size(); ++k) {
    for (std::int64_t i = 0; i < all[k].size(); ++i) CHECK(some[k][i] == all[k][i]);
  }
}

TEST_CASE("with_parameters and with_running_statistics rebuild the model") {
  const Model model = small_residual_model(7);
  auto params = model_parameters(model);
  const Model same = with_parameters(model, params);
  std::mt19937_64 rng(8);
  const Tensor x = random_tensor({2, 2, 6, 6}, rng);
  const auto a = forward_pass(model, x, *naive_backend(), false);
  const auto b = forward_pass(same, x, *naive_backend(), false);
  const auto logits = model.logits_node();
  for (std::int64_t i = 0; i < a.outputs[logits].size(); ++i) {
    CHECK(a.outputs[logits][i] == b.outputs[logits][i]);
  }
  CHECK(same.graph().node(logits).name == "dense");
  CHECK(parameter_owners(model).front() == model.graph().at("conv1"));

  params.pop_back();
  CHECK_THROWS_AS(with_parameters(model, params), InvalidArgument);
  params = model_parameters(model);
  params[2] = Tensor({4});
  CHECK_THROWS_WITH(with_parameters(model, params), Catch::Contains("node 'bn'"));

  // Momentum 1 makes the running statistics the batch's: inference then equals training mode.
  REQUIRE(has_training_layers(model));
  const auto train_pass = forward_pass(model, x, *naive_backend(), true);
  const Model updated = with_running_statistics(model, {&train_pass}, 1.0F);
  const auto bn = model.graph().at("bn");
  const auto inference = forward_pass(updated, x, *naive_backend(), false);
  // The running variance is the unbiased one, so compare the centring: the channel means agree.
  for (std::int64_t c = 0; c < 3; ++c) {
    double train_mean = 0.0, inference_mean = 0.0;
    for (std::int64_t n = 0; n < 2; ++n) {
      for (std::int64_t i = 0; i < 36; ++i) {
        train_mean += train_pass.outputs[bn][(n * 3 + c) * 36 + i];
        inference_mean += inference.outputs[bn][(n * 3 + c) * 36 + i];
      }
    }
    CHECK(train_mean == Approx(inference_mean).margin(1e-3));
  }
}
