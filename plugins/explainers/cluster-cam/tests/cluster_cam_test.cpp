#include <algorithm>
#include <catch2/catch.hpp>
#include <lumen/error.hpp>
#include <lumen/layers.hpp>
#include <lumen/resample.hpp>
#include <lumen/trace.hpp>
#include <string>

#include "explain_helpers.hpp"
#include "test_models.hpp"
#include "test_registry.hpp"

using namespace lumen;
using namespace lumen::testing;

namespace {

// [N,1,6,6] -> Conv 1x1 (1 -> 6, weights 1, 2, 3, -1, -2, -3, no bias) -> ReLU ("features") ->
// GAP -> Flatten -> Linear (6 -> 3). Maps 0-2 are ReLU(x) times 1, 2, 3 and maps 3-5 ReLU(-x)
// times 1, 2, 3: two planted groups of maps that are equal once min-max scaled.
Model planted_two_groups() {
  Graph g;
  const auto x = g.add_input("input", {1, 6, 6});
  Conv2dParams conv;
  conv.weight = Tensor({6, 1, 1, 1}, {1, 2, 3, -1, -2, -3});
  const auto c = g.add_node("conv", "", make_conv2d(conv), {x});
  const auto r = g.add_node("features", "", make_relu(), {c});
  const auto gap = g.add_node("gap", "", make_global_average_pool(), {r});
  const auto flat = g.add_node("flatten", "", make_flatten(1), {gap});
  const auto fc = g.add_node(
      "fc", "logits", make_linear(random_tensor({3, 6}, 5), Tensor({3}, {0.1F, 0, -0.1F})), {flat});
  g.finalize(fc);
  return Model(std::move(g), InputSpec{{1, 6, 6}, {}, {}});
}

const Tensor& detail(const Attribution& a, const std::string& name) {
  const auto it = std::find_if(a.details.begin(), a.details.end(),
                               [&](const AttributionDetail& d) { return d.name == name; });
  REQUIRE(it != a.details.end());
  return it->values;
}

}  // namespace

TEST_CASE("cluster-cam recovers two planted groups of maps with k-means and spectral clustering",
          "[cluster-cam]") {
  const Model model = planted_two_groups();
  for (const char* clustering : {"kmeans", "spectral"}) {
    for (const char* laplacian : {"false", "true"}) {
      for (std::uint64_t seed : {1U, 2U, 3U}) {
        const Tensor x = random_tensor(model.batch_shape(2), seed);
        const auto a = explain(
            "cluster-cam", model, x, {0, 2},
            {{"clustering", clustering}, {"clusters", "2"}, {"normalized_laplacian", laplacian}},
            {}, 1, seed);
        const Tensor& labels = detail(a, "cluster_of_map");
        for (std::int64_t s = 0; s < 2; ++s) {
          INFO(clustering << " seed " << seed << " sample " << s);
          for (std::int64_t k = 0; k < 6; ++k) CHECK(labels[s * 6 + k] == (k < 3 ? 0.0F : 1.0F));
          CHECK(detail(a, "cluster_sizes")[s * 2] == 3.0F);
          CHECK(detail(a, "kmeans_converged")[s] == 1.0F);
        }
      }
    }
  }
}

TEST_CASE("cluster-cam with one cluster per map is Score-CAM's best map minus its worst",
          "[cluster-cam]") {
  // Q = K: each cluster holds one map, its representative is that map, and its score is
  // Score-CAM's S_c(x * s(Up(A^k))). With lambda the map is ReLU(A_best - (1 - lambda) A_worst).
  const Model model = conv_net(21);
  const NodeId layer = model.graph().at("features");
  for (std::uint64_t seed : {3U, 4U}) {
    const Tensor x = random_tensor(model.batch_shape(1), seed);
    auto context = make_context();
    const Tensor features = node_output(model, x, layer, *context);
    const std::int64_t k = features.dim(1), plane = features.dim(2) * features.dim(3);
    Tensor masks = upsample_bilinear(features, 8, 8);
    std::vector<float> scores;
    for (std::int64_t m = 0; m < k; ++m) {
      const float* a = masks.data() + m * 64;
      const auto [low, high] = std::minmax_element(a, a + 64);
      Tensor masked = x;
      for (std::int64_t c = 0; c < 3; ++c)
        for (std::int64_t p = 0; p < 64; ++p)
          masked[c * 64 + p] *= *high > *low ? (a[p] - *low) / (*high - *low) : 0.0F;
      scores.push_back(softmax_rows(logits(model, masked))[2]);
    }
    const auto best = std::max_element(scores.begin(), scores.end()) - scores.begin();
    const auto worst = std::min_element(scores.begin(), scores.end()) - scores.begin();
    for (const char* lambda : {"0", "0.25", "1"}) {
      const auto a = explain("cluster-cam", model, x, {2},
                             {{"clusters", std::to_string(k)}, {"lambda", lambda}}, layer);
      const Tensor& sizes = detail(a, "cluster_sizes");
      REQUIRE(std::all_of(sizes.values().begin(), sizes.values().end(),
                          [](float v) { return v == 1.0F; }));
      for (std::int64_t m = 0; m < k; ++m) CHECK(detail(a, "cluster_of_map")[m] == float(m));
      for (std::int64_t m = 0; m < k; ++m)
        CHECK(detail(a, "cluster_scores")[m] == Approx(scores[m]).epsilon(1e-5));
      CHECK(detail(a, "cognition_base")[0] == float(best));
      CHECK(detail(a, "cognition_scissors")[0] == float(worst));
      const float keep = 1.0F - std::stof(lambda);
      Tensor expected({1, 1, features.dim(2), features.dim(3)});
      for (std::int64_t p = 0; p < plane; ++p)
        expected[p] =
            std::max(0.0F, features[best * plane + p] - keep * features[worst * plane + p]);
      CHECK(relative_difference(a.layer_map, expected, 1e-6) < 1e-6);
    }
  }
}

TEST_CASE("cluster-cam runs exactly Q forward passes per image after the first", "[cluster-cam]") {
  const Model model = residual_net(4);  // "features" has K = 3 maps
  const Tensor x = random_tensor(model.batch_shape(3), 5);
  for (const char* clustering : {"kmeans", "spectral"}) {
    for (const auto& [q, batch] :
         {std::pair{"1", "64"}, std::pair{"2", "1"}, std::pair{"3", "2"}}) {
      const auto a = explain("cluster-cam", model, x, {0, 1, 3},
                             {{"clustering", clustering}, {"clusters", q}, {"batch_size", batch}},
                             model.graph().at("features"));
      CHECK(a.passes.forward == 3 * (1 + std::stoi(q)));
      CHECK(a.passes.backward == 0);
      CHECK(detail(a, "cluster_masks").shape() == Shape{3, std::stoi(q), 8, 8});
    }
  }
}

TEST_CASE("cluster-cam: batch equals one by one, threads and seeds", "[cluster-cam]") {
  const Model model = conv_net(8);
  const Tensor x = random_tensor(model.batch_shape(3), 9);
  const std::vector<std::int64_t> targets{1, 4, 0};
  for (const char* clustering : {"kmeans", "spectral"}) {
    const std::map<std::string, std::string> params{
        {"clustering", clustering}, {"clusters", "3"}, {"relu", "false"}};
    const auto all = explain("cluster-cam", model, x, targets, params, {}, 1, 17);
    for (std::int64_t s = 0; s < 3; ++s) {
      const auto one =
          explain("cluster-cam", model, x.batch_slice(s), {targets[s]}, params, {}, 1, 17);
      CHECK(relative_difference(all.layer_map.batch_slice(s), one.layer_map, 1e-6) < 1e-5);
      for (std::size_t d = 0; d < all.details.size(); ++d)
        CHECK(relative_difference(all.details[d].values.batch_slice(s), one.details[d].values,
                                  1e-6) < 1e-5);
    }
    const auto two = explain("cluster-cam", model, x, targets, params, {}, 2, 17);
    CHECK(relative_difference(two.layer_map, all.layer_map) == 0.0);
    const auto again = explain("cluster-cam", model, x, targets, params, {}, 1, 17);
    CHECK(relative_difference(again.layer_map, all.layer_map) == 0.0);
  }
}

TEST_CASE("cluster-cam clamps clusters to K, refuses too many eigenvectors, naming the layer",
          "[cluster-cam]") {
  const Model model = conv_net(2);  // K = 6 at "features"
  const Tensor x = random_tensor(model.batch_shape(1), 1);
  const auto clamped = explain("cluster-cam", model, x, {0}, {{"clusters", "9"}});
  const auto six = explain("cluster-cam", model, x, {0}, {{"clusters", "6"}});
  CHECK(relative_difference(clamped.map, six.map) == 0.0);
  CHECK(detail(clamped, "cluster_scores").shape() == Shape{1, 6});
  CHECK(clamped.passes.forward == 1 + 6);
  CHECK(std::find(clamped.notes.begin(), clamped.notes.end(),
                  "clusters = 9 clamped to the 6 feature maps of layer 'features'") !=
        clamped.notes.end());
  CHECK_THROWS_WITH(
      explain("cluster-cam", model, x, {0}, {{"clustering", "spectral"}, {"eigenvectors", "6"}}),
      Catch::Contains("eigenvectors = 6 must be below the 6 feature maps of layer 'features'"));
  const Model dense = dense_net(1);
  CHECK_THROWS_AS(explain("cluster-cam", dense, random_tensor(dense.batch_shape(1), 1), {0}),
                  InvalidArgument);
}
