#include <catch2/catch.hpp>
#include <cmath>
#include <lumen/error.hpp>

#include "explain_helpers.hpp"
#include "normalised_models.hpp"
#include "test_models.hpp"
#include "test_registry.hpp"

using namespace lumen;
using namespace lumen::testing;

TEST_CASE("lrp epsilon conserves the target logit on bias-free networks", "[lrp]") {
  for (std::uint64_t seed : {1U, 2U, 3U}) {
    for (const auto& model :
         {conv_net(seed, false), residual_net(seed, false), dense_net(seed, false)}) {
      const Tensor x = random_tensor(model.batch_shape(2), seed + 20);
      const Tensor scores = logits(model, x);
      const std::vector<std::int64_t> targets{0, model.class_count() - 1};
      const auto a = explain("lrp", model, x, targets, {{"epsilon", "1e-9"}});
      REQUIRE(a.map.shape() == x.shape());
      for (std::int64_t s = 0; s < 2; ++s) {
        const double f = scores[s * model.class_count() + targets[s]];
        CAPTURE(seed, s, f);
        CHECK(sum(a.map.batch_slice(s)) == Approx(f).epsilon(1e-4));
      }
    }
  }
}

TEST_CASE("lrp epsilon conserves through a ConvNeXt-style MLP block and a quotient", "[lrp]") {
  // Linear layers over the channels of an NHWC tensor, GELU passing relevance through, and the
  // divisor of a quotient getting none: bias-free, the target logit is kept.
  for (const auto& model : {mlp_block_model(false), quotient_model(false)}) {
    const Tensor x = random_tensor(model.batch_shape(2), 71);
    const Tensor scores = logits(model, x);
    const std::vector<std::int64_t> targets{0, 2};
    const auto a = explain("lrp", model, x, targets, {{"epsilon", "1e-9"}});
    for (std::int64_t s = 0; s < 2; ++s) {
      const double f = scores[s * model.class_count() + targets[s]];
      CAPTURE(s, f);
      CHECK(sum(a.map.batch_slice(s)) == Approx(f).epsilon(1e-4));
    }
  }
}

TEST_CASE("lrp with epsilon 0 equals input x gradient on a bias-free ReLU network", "[lrp]") {
  for (std::uint64_t seed : {4U, 5U}) {
    const auto model = conv_net(seed, false);
    const Tensor x = random_tensor(model.batch_shape(1), seed);
    const auto r = explain("lrp", model, x, {2}, {{"epsilon", "0"}});
    const auto g = explain("saliency", model, x, {2}, {{"abs", "false"}});
    Tensor ixg = g.map;
    for (std::int64_t i = 0; i < x.size(); ++i) ixg[i] *= x[i];
    CHECK(relative_difference(r.map, ixg) < 1e-4);
  }
}

TEST_CASE("lrp epsilon on a dense network equals the matrix formula", "[lrp]") {
  // dense_net: x(16) -> W1 x + b1 -> ReLU -> W2 h + b2. Relevance by hand, layer by layer.
  const auto model = dense_net(6, true);
  const Tensor x = random_tensor(model.batch_shape(1), 7);
  const float eps = 0.01F;
  const auto& g = model.graph();
  // Recover the weights through the linear hook: forward_with on basis vectors.
  auto weights = [&](const char* name, std::int64_t in, std::int64_t out, Tensor& w, Tensor& b) {
    const auto* lin = g.node(g.at(name)).layer->as_linear();
    auto context = make_context();
    b = lin->forward_with(Tensor({1, in}), {}, true, context->backend());
    w = Tensor({out, in});
    for (std::int64_t i = 0; i < in; ++i) {
      Tensor e({1, in});
      e[i] = 1.0F;
      const Tensor col = lin->forward_with(e, {}, false, context->backend());
      for (std::int64_t o = 0; o < out; ++o) w[o * in + i] = col[o];
    }
  };
  Tensor w1, b1, w2, b2;
  weights("fc1", 16, 8, w1, b1);
  weights("fc2", 8, 3, w2, b2);
  std::vector<double> h(8), z1(8), z2(3);
  for (int o = 0; o < 8; ++o) {
    z1[o] = b1[o];
    for (int i = 0; i < 16; ++i) z1[o] += w1[o * 16 + i] * x[i];
    h[o] = std::max(0.0, z1[o]);
  }
  for (int o = 0; o < 3; ++o) {
    z2[o] = b2[o];
    for (int i = 0; i < 8; ++i) z2[o] += w2[o * 8 + i] * h[i];
  }
  const int target = 1;
  auto stab = [&](double z) { return z + (z >= 0 ? eps : -eps); };
  std::vector<double> rh(8), rx(16);
  for (int i = 0; i < 8; ++i) rh[i] = h[i] * w2[target * 8 + i] * z2[target] / stab(z2[target]);
  for (int i = 0; i < 16; ++i) {
    double s = 0;
    for (int o = 0; o < 8; ++o) s += w1[o * 16 + i] * rh[o] / stab(z1[o]);
    rx[i] = x[i] * s;
  }
  const auto a = explain("lrp", model, x, {target}, {{"epsilon", "0.01"}});
  for (int i = 0; i < 16; ++i) CHECK(a.map[i] == Approx(rx[i]).margin(1e-5));
}

TEST_CASE("lrp refuses unknown and non-relevance rules", "[lrp]") {
  const auto model = dense_net(1);
  const Tensor x = random_tensor(model.batch_shape(1), 2);
  CHECK_THROWS_AS(explain("lrp", model, x, {0}, {{"rule", "no-such-rule"}}), NotFound);
  CHECK_THROWS_WITH(explain("lrp", model, x, {0}, {{"rule", "gradient"}}),
                    Catch::Contains("relevance"));
  CHECK_THROWS_WITH(explain("lrp", model, x, {0}, {{"epsilon", "-1"}}),
                    Catch::Contains("out of range"));
}

TEST_CASE("lrp batch equals one by one and does not depend on threads", "[lrp]") {
  const auto model = residual_net(9);
  const Tensor x = random_tensor(model.batch_shape(3), 10);
  const std::vector<std::int64_t> t{0, 1, 2};
  check_batch_equals_samples("lrp", model, x, t, {}, 1e-5);
}
