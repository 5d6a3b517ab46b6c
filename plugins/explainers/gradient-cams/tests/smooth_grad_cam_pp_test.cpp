#include <algorithm>
#include <catch2/catch.hpp>
#include <lumen/propagation.hpp>
#include <lumen/resample.hpp>
#include <lumen/trace.hpp>
#include <random>

#include "explain_helpers.hpp"
#include "gradient_cam_test_helpers.hpp"
#include "test_models.hpp"
#include "test_registry.hpp"

using namespace lumen;
using namespace lumen::testing;

namespace {

using Strings = std::map<std::string, std::string>;

// Smooth Grad-CAM++'s layer map for one image [1,C,H,W] before the ReLU, computed copy by copy:
// the noise drawn as documented (copy m from stream (0, m) of a context with `seed`), each copy's
// gradient at `layer` from its own backward pass, the derivative terms averaged in double.
std::vector<double> by_copies(const Model& model, const Tensor& x, std::int64_t target,
                              NodeId layer, int samples, double noise_level, std::uint64_t seed) {
  auto context = make_context(1, seed);
  const auto [lo, hi] = std::minmax_element(x.values().begin(), x.values().end());
  const double sigma = noise_level * (*hi - *lo);
  const Tensor clean = run_forward(model, x, *context).output(layer);
  const auto k = clean.dim(1), plane = clean.dim(2) * clean.dim(3);
  std::vector<double> d1(static_cast<std::size_t>(k * plane)), d2 = d1, d3 = d1;
  for (int m = 0; m < samples; ++m) {
    Tensor copy = x;
    auto rng = context->rng(0, static_cast<std::uint64_t>(m));
    std::normal_distribution<double> normal(0.0, 1.0);
    for (std::int64_t i = 0; i < copy.size(); ++i)
      copy[i] = static_cast<float>(x[i] + sigma * normal(rng));
    const std::vector<std::int64_t> targets = {target};
    const auto run = propagate_from_targets(model, copy, targets, RuleMap(gradient_rule()),
                                            StartValue::one, {layer}, *context);
    const Tensor& g = run.signals.at(layer);
    for (std::size_t i = 0; i < d1.size(); ++i) {
      const double v = g[static_cast<std::int64_t>(i)];
      d1[i] += v / samples;
      d2[i] += v * v / samples;
      d3[i] += v * v * v / samples;
    }
  }
  std::vector<double> cam(static_cast<std::size_t>(plane), 0.0);
  for (std::int64_t c = 0; c < k; ++c) {
    double total = 0.0, weight = 0.0;
    for (std::int64_t p = 0; p < plane; ++p) total += clean[c * plane + p];
    for (std::int64_t p = 0; p < plane; ++p) {
      const auto i = static_cast<std::size_t>(c * plane + p);
      const double a = d2[i] == 0.0 ? 0.0 : d2[i] / (2 * d2[i] + total * d3[i] + 1e-6);
      weight += a * std::max(d1[i], 0.0);
    }
    for (std::int64_t p = 0; p < plane; ++p)
      cam[static_cast<std::size_t>(p)] += weight * clean[c * plane + p];
  }
  return cam;
}

}  // namespace

TEST_CASE("smooth-grad-cam-pp with noise_level 0 equals grad-cam-pp", "[smooth-grad-cam-pp]") {
  for (int which = 0; which < 2; ++which) {
    const Model model = which == 0 ? conv_net(3) : residual_net(4);
    const Tensor x = random_tensor(model.batch_shape(2), 5);
    for (std::int64_t c = 0; c < 3; ++c) {
      const std::vector<std::int64_t> targets = {c, c + 1};
      const auto pp = explain("grad-cam-pp", model, x, targets, {{"relu", "false"}});
      const auto smooth = explain("smooth-grad-cam-pp", model, x, targets,
                                  {{"relu", "false"}, {"noise_level", "0"}, {"samples", "3"}});
      REQUIRE(smooth.layer == pp.layer);
      CHECK(relative_difference(smooth.layer_map, pp.layer_map) < 1e-5);
      CHECK(relative_difference(smooth.map, pp.map) < 1e-5);
    }
  }
}

TEST_CASE(
    "smooth-grad-cam-pp uses the clean feature maps: noise is moot when the gradient is "
    "constant",
    "[smooth-grad-cam-pp]") {
  const Tensor w = random_tensor({3, 8}, 21);
  // Flatten head: the gradient at the features is W[c] whatever the input, so noise cannot change
  // the derivative terms.
  const Model model = pooled_model(w, false);
  const Tensor x = random_tensor(model.batch_shape(1), 2);
  for (std::int64_t c = 0; c < 3; ++c) {
    const auto pp = explain("grad-cam-pp", model, x, {c}, {{"relu", "false"}});
    const auto smooth = explain("smooth-grad-cam-pp", model, x, {c},
                                {{"relu", "false"}, {"noise_level", "0.5"}, {"samples", "4"}});
    CHECK(relative_difference(smooth.layer_map, pp.layer_map) < 1e-5);
  }
}

TEST_CASE("smooth-grad-cam-pp equals a copy-by-copy computation of the averaged terms",
          "[smooth-grad-cam-pp]") {
  // At pool1 the gradient passes conv2's ReLU, so it depends on the input (after "features" the
  // head is linear and noise would change nothing).
  const Model model = conv_net(7);
  const NodeId layer = model.graph().at("pool1");
  const Tensor x = random_tensor(model.batch_shape(2), 8);
  const std::vector<std::int64_t> targets = {2, 4};
  for (const char* batch : {"1", "3", "64", "0"}) {
    const auto a = explain(
        "smooth-grad-cam-pp", model, x, targets,
        {{"relu", "false"}, {"samples", "5"}, {"noise_level", "0.2"}, {"batch_size", batch}}, layer,
        1, 11);
    for (std::int64_t s = 0; s < 2; ++s) {
      const auto expected = by_copies(model, x.batch_slice(s), targets[static_cast<std::size_t>(s)],
                                      layer, 5, 0.2, 11);
      const Tensor expected_map({1, 1, 4, 4}, std::vector<float>(expected.begin(), expected.end()));
      CHECK(relative_difference(a.layer_map.batch_slice(s), expected_map) < 1e-5);
    }
    // The noise matters here: it must differ from grad-cam-pp.
    const auto pp = explain("grad-cam-pp", model, x, targets, {{"relu", "false"}}, layer);
    CHECK(relative_difference(a.layer_map, pp.layer_map) > 1e-3);
  }
}

TEST_CASE("smooth-grad-cam-pp counts M + 1 forward and M backward passes per image",
          "[smooth-grad-cam-pp]") {
  const Model model = conv_net(1);
  const Tensor x = random_tensor(model.batch_shape(3), 2);
  for (const auto& [samples, batch] : std::vector<std::pair<int, int>>{{5, 2}, {4, 4}, {1, 8}}) {
    const auto a =
        explain("smooth-grad-cam-pp", model, x, {0, 1, 2},
                {{"samples", std::to_string(samples)}, {"batch_size", std::to_string(batch)}});
    CHECK(a.passes.forward == 3 * (samples + 1));
    CHECK(a.passes.backward == 3 * samples);
  }
}

TEST_CASE("smooth-grad-cam-pp: seeds reproduce, other seeds differ, threads do not matter",
          "[smooth-grad-cam-pp]") {
  const Model model = conv_net(9);
  const NodeId layer = model.graph().at("pool1");
  const Tensor x = random_tensor(model.batch_shape(2), 3);
  const Strings params = {{"relu", "false"}, {"samples", "6"}, {"batch_size", "4"}};
  const auto first = explain("smooth-grad-cam-pp", model, x, {1, 3}, params, layer, 1, 5);
  const auto again = explain("smooth-grad-cam-pp", model, x, {1, 3}, params, layer, 2, 5);
  const auto other = explain("smooth-grad-cam-pp", model, x, {1, 3}, params, layer, 1, 6);
  CHECK(relative_difference(first.map, again.map) == 0.0);
  CHECK(relative_difference(first.map, other.map) > 1e-4);
}

TEST_CASE("smooth-grad-cam-pp: many chunks in waves give the same bits on any thread count",
          "[smooth-grad-cam-pp]") {
  // 2 images x 12 chunks of 2 copies: more jobs than a wave holds on 1, 2 or 3 threads (2, 4, 6),
  // and the waves cut the chunks of an image differently on each.
  const Model model = conv_net(9);
  const NodeId layer = model.graph().at("pool1");
  const Tensor x = random_tensor(model.batch_shape(2), 3);
  const Strings params = {{"relu", "false"}, {"samples", "23"}, {"batch_size", "2"}};
  const auto one = explain("smooth-grad-cam-pp", model, x, {1, 3}, params, layer, 1, 5);
  for (const int threads : {2, 3}) {
    const auto other = explain("smooth-grad-cam-pp", model, x, {1, 3}, params, layer, threads, 5);
    CHECK(relative_difference(other.layer_map, one.layer_map) == 0.0);
  }
  // The default, automatic batch: the same terms summed in other chunks.
  const auto automatic = explain("smooth-grad-cam-pp", model, x, {1, 3},
                                 {{"relu", "false"}, {"samples", "23"}}, layer, 2, 5);
  CHECK(relative_difference(automatic.layer_map, one.layer_map) < 1e-5);
}
