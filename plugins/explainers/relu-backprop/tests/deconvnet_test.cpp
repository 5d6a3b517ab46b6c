#include <catch2/catch.hpp>
#include <lumen/layers.hpp>

#include "explain_helpers.hpp"
#include "test_models.hpp"
#include "two_layer_model.hpp"

using namespace lumen;
using namespace lumen::testing;

namespace {

using relu_backprop_test::two_layer_model;

Tensor positive_weights(Shape shape, std::uint64_t seed) {
  return random_tensor(std::move(shape), seed, 0.05F, 1.0F);
}

// [N,2,6,6] -> Conv 3x3 pad 1 (2->3, positive weights and bias) -> ReLU -> MaxPool 2 -> Conv 3x3
// (3->4, positive) -> ReLU -> GlobalAveragePool -> Flatten -> Linear (4->3, any sign). On positive
// inputs every ReLU input is positive.
Model positive_conv_model(std::uint64_t seed) {
  Graph g;
  auto x = g.add_input("input", {2, 6, 6});
  Conv2dParams c1;
  c1.weight = positive_weights({3, 2, 3, 3}, seed);
  c1.bias = positive_weights({3}, seed + 1);
  c1.pads = {1, 1, 1, 1};
  auto conv1 = g.add_node("conv1", "", make_conv2d(c1), {x});
  auto relu1 = g.add_node("relu1", "", make_relu(), {conv1});
  Pool2dParams pool;
  pool.kernel = {2, 2};
  pool.stride = {2, 2};
  auto pooled = g.add_node("pool", "", make_max_pool2d(pool), {relu1});
  Conv2dParams c2;
  c2.weight = positive_weights({4, 3, 3, 3}, seed + 2);
  c2.pads = {1, 1, 1, 1};
  auto conv2 = g.add_node("conv2", "", make_conv2d(c2), {pooled});
  auto relu2 = g.add_node("relu2", "", make_relu(), {conv2});
  auto gap = g.add_node("gap", "", make_global_average_pool(), {relu2});
  auto flat = g.add_node("flatten", "", make_flatten(1), {gap});
  auto fc = g.add_node("fc", "logits", make_linear(random_tensor({3, 4}, seed + 3), std::nullopt),
                       {flat});
  g.finalize(fc);
  return Model(std::move(g), InputSpec{{2, 6, 6}, {}, {}});
}

}  // namespace

TEST_CASE("deconvnet matches the hand-computed two-layer example", "[deconvnet]") {
  const auto model = two_layer_model();
  const Tensor x({1, 1, 2, 2}, {1.0F, 2.0F, -1.0F, 0.5F});
  Tensor flipped = x;
  for (float& v : flipped.values()) v = -v;
  const Tensor& negated = flipped;
  // Upstream at the ReLU: class 0 (2, 5, -1) -> rectified (2, 5, 0) -> 2 W1[0] + 5 W1[1];
  // class 1 (-1, 1, 3) -> (0, 1, 3) -> W1[1] + 3 W1[2]. The forward input plays no part, so
  // x and -x give the same map (ReLU inactive at unit 1 for x, at units 0 and 2 for -x).
  const std::vector<std::vector<float>> expected{{2, -3, 5, 0}, {3, -1, 1, 6}};
  for (const Tensor* input : {&x, &negated}) {
    for (std::int64_t c = 0; c < 2; ++c) {
      const auto a = explain("deconvnet", model, *input, {c});
      REQUIRE(a.map.shape() == x.shape());
      for (int i = 0; i < 4; ++i) CHECK(a.map[i] == expected[c][i]);
      CHECK(a.passes.forward == 1);
      CHECK(a.passes.backward == 1);
    }
  }
}

TEST_CASE("deconvnet equals guided-backprop where every ReLU input is positive", "[deconvnet]") {
  for (std::uint64_t seed : {1U, 2U, 3U}) {
    const auto model = positive_conv_model(seed);
    const Tensor x = random_tensor(model.batch_shape(2), seed + 10, 0.0F, 1.0F);
    const std::vector<std::int64_t> targets{0, 2};
    const auto d = explain("deconvnet", model, x, targets);
    const auto gb = explain("guided-backprop", model, x, targets);
    const auto g = explain("saliency", model, x, targets, {{"abs", "false"}});
    CAPTURE(seed);
    CHECK(relative_difference(d.map, gb.map) == 0.0);
    // ... which is not the gradient: the negative weights of the last layer are rectified away.
    CHECK(relative_difference(d.map, g.map) > 1e-2);
  }
}

TEST_CASE("deconvnet differs from guided-backprop where ReLUs are inactive", "[deconvnet]") {
  const auto model = conv_net(2);
  const Tensor x = random_tensor(model.batch_shape(1), 3);
  const auto d = explain("deconvnet", model, x, {1});
  const auto gb = explain("guided-backprop", model, x, {1});
  CHECK(relative_difference(d.map, gb.map) > 1e-2);
}

TEST_CASE("deconvnet of a batch equals sample by sample, with 1 and 2 threads", "[deconvnet]") {
  for (const auto& model : {conv_net(5), residual_net(6)}) {
    const Tensor x = random_tensor(model.batch_shape(3), 8);
    const std::vector<std::int64_t> targets{0, 3, 1};
    const auto batch = check_batch_equals_samples("deconvnet", model, x, targets);
    CHECK(batch.passes.forward == 3);
    CHECK(batch.passes.backward == 3);
  }
}
