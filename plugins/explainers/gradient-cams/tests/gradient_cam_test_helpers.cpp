#include "gradient_cam_test_helpers.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <lumen/layers.hpp>
#include <lumen/resample.hpp>

#include "explain_helpers.hpp"
#include "test_models.hpp"

namespace lumen::testing {

Model smooth_model() {
  Graph g;
  auto x = g.add_input("input", {2, 4, 4});
  auto f = g.add_node("features", "", make_identity("Identity"), {x});
  auto flat = g.add_node("flatten", "", make_flatten(1), {f});
  auto h = g.add_node("hidden", "", make_linear(random_tensor({6, 32}, 31), random_tensor({6}, 32)),
                      {flat});
  auto t = g.add_node("tanh", "", make_tanh(), {h});
  auto out = g.add_node("fc", "logits", make_linear(random_tensor({3, 6}, 33), std::nullopt), {t});
  g.finalize(out);
  return Model(std::move(g), InputSpec{{2, 4, 4}, {}, {}});
}

void check_hand_derived(const std::string& method, const Tensor& w, bool gap, double margin,
                        const HandDerivedMap& expected) {
  const auto model = pooled_model(w, gap);
  const auto layer = model.graph().at("features");
  for (std::uint64_t seed : {1U, 2U, 3U}) {
    const Tensor x = random_tensor(model.batch_shape(1), seed);
    const Tensor a = pooled(x);
    for (std::int64_t c = 0; c < w.dim(0); ++c) {
      const auto r = explain(method, model, x, {c}, {{"relu", "false"}}, layer);
      const auto with_relu = explain(method, model, x, {c}, {}, layer);
      REQUIRE(r.layer_map.shape() == Shape{1, 1, 2, 2});
      REQUIRE(r.map.shape() == Shape{1, 1, 4, 4});
      const auto values = expected(c, a);
      for (int p = 0; p < 4; ++p) {
        CHECK(r.layer_map[p] == Approx(values[p]).margin(margin));
        CHECK(with_relu.layer_map[p] == Approx(std::max(0.0, values[p])).margin(margin));
      }
      for (const auto* run : {&r, &with_relu}) {
        CHECK(relative_difference(run->map, upsample_bilinear(run->layer_map, 4, 4)) == 0.0);
        CHECK(run->passes.forward == 1);
        CHECK(run->passes.backward == 1);
      }
    }
  }
}

void check_per_pixel_against_finite_differences(const std::string& method, float (*weight)(float)) {
  const auto model = smooth_model();
  for (std::uint64_t seed : {4U, 5U}) {
    const Tensor x = random_tensor(model.batch_shape(1), seed);
    for (std::int64_t c = 0; c < 3; ++c) {
      const auto fd = finite_difference_gradient(model, x, c, 1e-2F);
      Tensor expected({1, 1, 4, 4});
      for (int k = 0; k < 2; ++k)
        for (int p = 0; p < 16; ++p) expected[p] += weight(fd.gradient[k * 16 + p]) * x[k * 16 + p];
      const auto r = explain(method, model, x, {c}, {{"relu", "false"}});
      CHECK(model.graph().node(*r.layer).name == "features");
      CHECK(relative_difference(r.layer_map, expected) < 1e-3);
    }
  }
}

}  // namespace lumen::testing
