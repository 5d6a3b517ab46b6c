#include <catch2/catch.hpp>
#include <cmath>
#include <lumen/error.hpp>
#include <lumen/layers.hpp>
#include <lumen/resample.hpp>
#include <lumen/trace.hpp>

#include "explain_helpers.hpp"
#include "test_models.hpp"
#include "test_registry.hpp"

using namespace lumen;
using namespace lumen::testing;

namespace {

// input [N,2,2,2] -> ReLU ("features") -> GAP -> Flatten -> Linear (2->3): the layer is the
// input's positive part, so its statistics can be worked out by hand.
Model relu_model() {
  Graph g;
  auto x = g.add_input("input", {2, 2, 2});
  auto f = g.add_node("features", "", make_relu(), {x});
  auto gap = g.add_node("gap", "", make_global_average_pool(), {f});
  auto flat = g.add_node("flatten", "", make_flatten(1), {gap});
  const Tensor w({3, 2}, {1.0F, -1.0F, 0.5F, 2.0F, -2.0F, 1.0F});
  auto fc = g.add_node("fc", "logits", make_linear(w, std::nullopt), {flat});
  g.finalize(fc);
  return Model(std::move(g), InputSpec{{2, 2, 2}, {}, {}});
}

}  // namespace

TEST_CASE("fem matches the hand-computed K-sigma map on a 2-channel layer", "[fem]") {
  const auto model = relu_model();
  // Channel 0: A = [1,1,1,5], mu 2, sigma sqrt(3). Channel 1: A = relu([3,6,-4,3]) = [3,6,0,3],
  // mu 3, sigma sqrt(4.5).
  const Tensor x({1, 2, 2, 2}, {1.0F, 1.0F, 1.0F, 5.0F, 3.0F, 6.0F, -4.0F, 3.0F});
  // k = 1: thresholds 3.73 and 5.12 keep [0,0,0,1] and [0,1,0,0]: L = 2 B0 + 3 B1.
  // k = 0: thresholds 2 and 3 keep [0,0,0,1] and [1,1,0,1].
  // k = -1: thresholds 0.27 and 0.88 keep [1,1,1,1] and [1,1,0,1].
  const std::vector<std::pair<std::string, std::vector<float>>> cases{
      {"1", {0.0F, 3.0F, 0.0F, 2.0F}},
      {"0", {3.0F, 3.0F, 0.0F, 5.0F}},
      {"-1", {5.0F, 5.0F, 2.0F, 5.0F}},
  };
  for (const auto& [k, expected] : cases) {
    CAPTURE(k);
    const auto a = explain("fem", model, x, {0}, {{"k", k}});
    REQUIRE(a.layer_map.shape() == Shape{1, 1, 2, 2});
    REQUIRE(a.map.shape() == Shape{1, 1, 2, 2});
    for (int p = 0; p < 4; ++p) CHECK(a.layer_map[p] == Approx(expected[p]).margin(1e-6));
    CHECK(a.layer == model.graph().at("features"));
  }
}

TEST_CASE("fem default K is 1, the map is class-agnostic and takes 1 forward pass", "[fem]") {
  const auto model = conformance::conv_net(3);
  const Tensor x = conformance::random_tensor(model.batch_shape(2), 4);
  const auto a = explain("fem", model, x, {0, 1});
  const auto b = explain("fem", model, x, {4, 2}, {{"k", "1"}});
  CHECK(relative_difference(a.map, b.map) == 0.0);
  CHECK(relative_difference(a.layer_map, b.layer_map) == 0.0);
  CHECK(a.passes.forward == 2);
  CHECK(a.passes.backward == 0);
  CHECK(a.layer == model.graph().at("features"));
}

TEST_CASE("fem equals an independent computation at every layer of the conv model", "[fem]") {
  const auto model = conformance::conv_net(5);
  const Tensor x = conformance::random_tensor(model.batch_shape(2), 6);
  auto context = make_context();
  const Trace trace = run_forward(model, x, *context);
  for (const char* name : {"features", "conv1"}) {
    const NodeId layer = model.graph().at(name);
    const Tensor& f = trace.output(layer);
    const std::int64_t n = f.dim(0), channels = f.dim(1), h = f.dim(2), w = f.dim(3);
    for (const double k : {0.5, 1.0, 2.0}) {
      CAPTURE(name, k);
      // Variance as E[A^2] - E[A]^2 (the plugin sums squared deviations): same value, other route.
      Tensor expected({n, 1, h, w});
      for (std::int64_t s = 0; s < n; ++s) {
        for (std::int64_t c = 0; c < channels; ++c) {
          const float* a = f.data() + (s * channels + c) * h * w;
          double sum = 0.0, squares = 0.0;
          for (std::int64_t p = 0; p < h * w; ++p) {
            sum += a[p];
            squares += static_cast<double>(a[p]) * a[p];
          }
          const double mean = sum / static_cast<double>(h * w);
          const double sigma = std::sqrt(std::max(0.0, squares / (h * w) - mean * mean));
          for (std::int64_t p = 0; p < h * w; ++p) {
            if (a[p] >= mean + k * sigma) expected[s * h * w + p] += static_cast<float>(mean);
          }
        }
      }
      const auto got = explain("fem", model, x, {0, 0}, {{"k", std::to_string(k)}}, layer);
      CHECK(relative_difference(got.layer_map, expected) < 1e-6);
      CHECK(relative_difference(got.map, upsample_bilinear(expected, x.dim(2), x.dim(3))) < 1e-6);
    }
  }
}

TEST_CASE("fem refuses a model without a spatial layer and a bad K", "[fem]") {
  const auto dense = conformance::dense_net(1);
  const Tensor x = conformance::random_tensor(dense.batch_shape(1), 2);
  CHECK_THROWS_AS(explain("fem", dense, x, {0}), InvalidArgument);
  const auto model = conformance::conv_net(1);
  const Tensor y = conformance::random_tensor(model.batch_shape(1), 2);
  CHECK_THROWS_WITH(explain("fem", model, y, {0}, {{"k", "101"}}), Catch::Contains("k"));
}
