#include <catch2/catch.hpp>
#include <cmath>
#include <lumen/layers.hpp>

#include "linear_model.hpp"
#include "metric_helpers.hpp"
#include "test_models.hpp"

using namespace lumen;
using namespace lumen::testing;

namespace {

double sigmoid(double z) { return 1.0 / (1.0 + std::exp(-z)); }

// [N,1,1,3] -> Flatten -> Linear: f0 = x0 - x1 + x2, f1 = 0, so S_0 = sigmoid(f0).
Model linear_model() { return linear_classifier({1, 1, 3}, Tensor({2, 3}, {1, -1, 1, 0, 0, 0})); }

}  // namespace

TEST_CASE("confidence drop and increase match hand-computed probabilities", "[confidence]") {
  const Model model = linear_model();
  // Sample 0: x = [2,1,0], map [2,0,1] -> H = [1,0,0.5] -> x*H = [2,0,0]: f0 1 -> 2, a rise.
  // Sample 1: x = [2,-1,2], map [0,4,1] -> H = [0,1,0.25] -> [0,-1,0.5]: f0 5 -> 1.5, a drop.
  const Tensor x({2, 1, 1, 3}, {2, 1, 0, 2, -1, 2});
  const Tensor map({2, 1, 1, 3}, {2, 0, 1, 0, 4, 1});
  MetricInputs in;
  in.model = &model;
  in.input = &x;
  in.targets = {0, 0};
  in.attribution = &map;
  const double drop1 = 100.0 * (sigmoid(5.0) - sigmoid(1.5)) / sigmoid(5.0);
  const auto drop = run_metric("confidence-drop", in);
  REQUIRE(drop.per_sample.size() == 2);
  CHECK(drop.per_sample[0] == 0.0);  // a rise is clipped to a drop of 0
  CHECK(drop.per_sample[1] == Approx(drop1).epsilon(1e-5));
  CHECK(drop.aggregate == Approx(drop1 / 2.0).epsilon(1e-5));
  const auto increase = run_metric("confidence-increase", in);
  CHECK(increase.per_sample == std::vector<double>{100.0, 0.0});
  CHECK(increase.aggregate == 50.0);
}

TEST_CASE("confidence metrics use the target's probability and do not depend on batch_size",
          "[confidence]") {
  const Model model = linear_model();
  // Target 1 (f1 = 0): S_1 = 1 - sigmoid(f0). x = [2,1,0], H = [1,0,0.5]: f0 1 -> 2, so S_1 drops.
  const Tensor x({1, 1, 1, 3}, {2, 1, 0});
  const Tensor map({1, 1, 1, 3}, {2, 0, 1});
  MetricInputs in;
  in.model = &model;
  in.input = &x;
  in.targets = {1};
  in.attribution = &map;
  const double expected = 100.0 * (sigmoid(-1.0) - sigmoid(-2.0)) / sigmoid(-1.0);
  CHECK(run_metric("confidence-drop", in).per_sample[0] == Approx(expected).epsilon(1e-5));
  CHECK(run_metric("confidence-increase", in).per_sample[0] == 0.0);

  const Model conv = conformance::conv_net(3);
  const Tensor xs = conformance::random_tensor(conv.batch_shape(5), 11);
  const Tensor maps = conformance::random_tensor({5, 1, 8, 8}, 12);
  MetricInputs many;
  many.model = &conv;
  many.input = &xs;
  many.targets = {0, 1, 2, 3, 4};
  many.attribution = &maps;
  const auto a = run_metric("confidence-drop", many, {{"batch_size", "1"}});
  const auto b = run_metric("confidence-drop", many, {{"batch_size", "4"}}, 0, 2);
  CHECK(a.per_sample == b.per_sample);
  CHECK(run_metric("confidence-drop", many, {}, 0, 2).per_sample == a.per_sample);  // automatic
}
