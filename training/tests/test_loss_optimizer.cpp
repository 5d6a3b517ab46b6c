// Cross-entropy against hand-computed values and finite differences; optimizer steps against
// hand-computed SGD-with-momentum and Adam updates.
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "lumen/error.hpp"
#include "lumen/training/loss.hpp"
#include "lumen/training/optimizer.hpp"

using namespace lumen;
using namespace lumen::training;

TEST_CASE("softmax cross-entropy: hand-computed values") {
  // Row 0: softmax(0, ln 3) = (1/4, 3/4); row 1: equal logits, 3 classes... as 2 columns here.
  const Tensor logits({2, 2}, {0.0F, std::log(3.0F), 5.0F, 5.0F});
  const std::vector<std::int64_t> labels = {1, 0};
  const auto ce = softmax_cross_entropy(logits, labels);
  CHECK(ce.losses[0] == Approx(-std::log(0.75)));
  CHECK(ce.losses[1] == Approx(std::log(2.0)));
  CHECK(ce.gradient[0] == Approx(0.25));
  CHECK(ce.gradient[1] == Approx(-0.25));
  CHECK(ce.gradient[2] == Approx(-0.5));
  CHECK(ce.gradient[3] == Approx(0.5));
  CHECK(ce.correct == 2);  // row 1's tie goes to the first class, its label
  // Large logits stay finite.
  const auto big = softmax_cross_entropy(Tensor({1, 3}, {1000.0F, 0.0F, -1000.0F}),
                                         std::vector<std::int64_t>{2});
  CHECK(big.losses[0] == Approx(2000.0));
  CHECK_THROWS_AS(softmax_cross_entropy(logits, std::vector<std::int64_t>{1, 2}), InvalidArgument);
  CHECK_THROWS_AS(softmax_cross_entropy(logits, std::vector<std::int64_t>{1}), InvalidArgument);
}

TEST_CASE("softmax cross-entropy gradient matches finite differences") {
  Tensor logits({3, 4},
                {0.3F, -1.2F, 2.0F, 0.1F, 1.5F, 1.4F, -0.3F, 0.0F, -2.0F, 0.7F, 0.2F, 0.9F});
  const std::vector<std::int64_t> labels = {2, 0, 3};
  const auto ce = softmax_cross_entropy(logits, labels);
  auto total = [&](const Tensor& l) {
    double s = 0.0;
    for (double v : softmax_cross_entropy(l, labels).losses) s += v;
    return s;
  };
  const float h = 1e-3F;
  for (std::int64_t i = 0; i < logits.size(); ++i) {
    Tensor up = logits, down = logits;
    up[i] += h;
    down[i] -= h;
    CHECK(ce.gradient[i] == Approx((total(up) - total(down)) / (2.0 * h)).margin(1e-3));
  }
}

TEST_CASE("SGD with momentum and weight decay: two hand-computed steps") {
  OptimizerOptions o;
  o.learning_rate = 0.1F;
  o.momentum = 0.9F;
  o.weight_decay = 0.01F;
  Optimizer sgd(o);
  std::vector<Tensor> w = {Tensor({2}, {1.0F, -2.0F})};
  const std::vector<Tensor> g = {Tensor({2}, {0.5F, 1.0F})};
  const std::vector<bool> decay = {true};
  sgd.step(w, g, decay);
  // v = g + 0.01 w = (0.51, 0.98); w -= 0.1 v.
  CHECK(w[0][0] == Approx(0.949));
  CHECK(w[0][1] == Approx(-2.098));
  sgd.step(w, g, decay);
  // v = 0.9 v + g + 0.01 w = (0.459 + 0.50949, 0.882 + 0.97902).
  CHECK(w[0][0] == Approx(0.949 - 0.1 * (0.459 + 0.50949)));
  CHECK(w[0][1] == Approx(-2.098 - 0.1 * (0.882 + 0.97902)));
  CHECK(sgd.steps() == 2);

  // Without decay the weight decay does nothing.
  Optimizer plain(o);
  std::vector<Tensor> v = {Tensor({1}, {3.0F})};
  plain.step(v, {Tensor({1}, {0.0F})}, {false});
  CHECK(v[0][0] == 3.0F);
}

TEST_CASE("Adam: two hand-computed steps") {
  OptimizerOptions o;
  o.kind = OptimizerOptions::Kind::adam;
  o.learning_rate = 0.1F;
  Optimizer adam(o);
  std::vector<Tensor> w = {Tensor({1}, {1.0F})};
  adam.step(w, {Tensor({1}, {0.5F})}, {false});
  CHECK(w[0][0] == Approx(0.900000002));  // bias-corrected: m^ = 0.5, v^ = 0.25
  adam.step(w, {Tensor({1}, {-1.0F})}, {false});
  CHECK(w[0][0] == Approx(0.9366103542405654));

  // Coupled weight decay enters Adam's moments: g = 0.1 * 2 gives a first step of -lr.
  o.weight_decay = 0.1F;
  Optimizer decayed(o);
  std::vector<Tensor> u = {Tensor({1}, {2.0F})};
  decayed.step(u, {Tensor({1}, {0.0F})}, {true});
  CHECK(u[0][0] == Approx(1.9));
}

TEST_CASE("optimizer: invalid options and mismatched tensors are refused") {
  OptimizerOptions o;
  o.momentum = 1.0F;
  CHECK_THROWS_WITH(Optimizer(o), Catch::Contains("momentum"));
  o = {};
  o.learning_rate = -1.0F;
  CHECK_THROWS_WITH(Optimizer(o), Catch::Contains("learning_rate"));
  o = {};
  o.weight_decay = -0.5F;
  CHECK_THROWS_WITH(Optimizer(o), Catch::Contains("weight_decay"));
  Optimizer ok({});
  std::vector<Tensor> w = {Tensor({2})};
  CHECK_THROWS_AS(ok.step(w, {Tensor({3})}, {true}), InvalidArgument);
  CHECK_THROWS_AS(ok.step(w, {}, {}), InvalidArgument);
}
