#include <catch2/catch.hpp>
#include <cmath>
#include <lumen/error.hpp>
#include <lumen/layers.hpp>
#include <lumen/resample.hpp>
#include <vector>

#include "explain_helpers.hpp"
#include "test_models.hpp"

using namespace lumen;
using namespace lumen::testing;

namespace {

constexpr std::int64_t plane = 16;  // 4x4 maps

// input [N,K,4,4] -> Identity ("features") -> GAP -> Flatten -> Linear (K->3): the feature maps
// are the input itself.
Model identity_model(std::int64_t k) {
  Graph g;
  auto x = g.add_input("input", {k, 4, 4});
  auto f = g.add_node("features", "", make_identity("Identity"), {x});
  auto gap = g.add_node("gap", "", make_global_average_pool(), {f});
  auto flat = g.add_node("flatten", "", make_flatten(1), {gap});
  auto fc =
      g.add_node("fc", "logits", make_linear(random_tensor({3, k}, 41), std::nullopt), {flat});
  g.finalize(fc);
  return Model(std::move(g), InputSpec{{k, 4, 4}, {}, {}});
}

// The reference: centred X [16, K], the top eigenvector of X^T X by power iteration (in double),
// oriented so that its components sum to a positive number, and X v.
std::vector<double> reference_projection(const Tensor& maps, std::int64_t k) {
  std::vector<double> x(static_cast<std::size_t>(plane * k));
  for (std::int64_t c = 0; c < k; ++c) {
    double mean = 0.0;
    for (std::int64_t p = 0; p < plane; ++p) mean += maps[c * plane + p];
    mean /= plane;
    for (std::int64_t p = 0; p < plane; ++p) x[p * k + c] = maps[c * plane + p] - mean;
  }
  std::vector<double> cov(static_cast<std::size_t>(k * k), 0.0);
  for (std::int64_t i = 0; i < k; ++i)
    for (std::int64_t j = 0; j < k; ++j)
      for (std::int64_t p = 0; p < plane; ++p) cov[i * k + j] += x[p * k + i] * x[p * k + j];
  std::vector<double> v(static_cast<std::size_t>(k), 1.0), next(v.size());
  for (int iteration = 0; iteration < 200000; ++iteration) {
    double norm = 0.0;
    for (std::int64_t i = 0; i < k; ++i) {
      next[i] = 0.0;
      for (std::int64_t j = 0; j < k; ++j) next[i] += cov[i * k + j] * v[j];
      norm += next[i] * next[i];
    }
    double change = 0.0;
    for (std::int64_t i = 0; i < k; ++i) {
      next[i] /= std::sqrt(norm);
      change = std::max(change, std::abs(next[i] - v[i]));
    }
    v.swap(next);
    if (change < 1e-15) break;
  }
  double total = 0.0;
  for (double e : v) total += e;
  std::vector<double> projection(plane, 0.0);
  for (std::int64_t p = 0; p < plane; ++p)
    for (std::int64_t c = 0; c < k; ++c)
      projection[p] += x[p * k + c] * v[c] * (total < 0 ? -1 : 1);
  return projection;
}

double max_relative_error(const Tensor& actual, const std::vector<double>& expected) {
  double scale = 0.0, error = 0.0;
  for (std::size_t p = 0; p < expected.size(); ++p) {
    scale = std::max(scale, std::abs(expected[p]));
    error = std::max(error, std::abs(actual[static_cast<std::int64_t>(p)] - expected[p]));
  }
  return error / scale;
}

}  // namespace

TEST_CASE("eigen-cam recovers a planted rank-1 layer", "[eigen-cam]") {
  // A^k = c_k P + m_k: the centred maps are (P - mean P) c_k, the first right singular vector is
  // c / |c| and the projection |c| (P - mean P), up to the orientation sign(sum c).
  const auto model = identity_model(3);
  const Tensor pattern = random_tensor({plane}, 51);
  double pattern_mean = 0.0;
  for (float v : pattern.values()) pattern_mean += v;
  pattern_mean /= plane;
  const std::vector<std::vector<float>> cases = {
      {1.0F, 2.0F, -0.5F}, {-1.0F, -2.0F, 0.5F}, {0.3F, -0.1F, 0.05F}};
  const std::vector<float> offsets = {0.7F, -3.0F, 10.0F};
  for (const auto& c : cases) {
    Tensor x(model.batch_shape(1));
    double norm = 0.0, total = 0.0;
    for (int k = 0; k < 3; ++k) {
      norm += c[k] * c[k];
      total += c[k];
      for (int p = 0; p < plane; ++p) x[k * plane + p] = c[k] * pattern[p] + offsets[k];
    }
    const double scale = std::sqrt(norm) * (total > 0 ? 1.0 : -1.0);
    const auto r = explain("eigen-cam", model, x, {0}, {{"relu", "false"}});
    const auto with_relu = explain("eigen-cam", model, x, {0});
    for (int p = 0; p < plane; ++p) {
      const double expected = scale * (pattern[p] - pattern_mean);
      CHECK(r.layer_map[p] == Approx(expected).margin(1e-4));
      CHECK(with_relu.layer_map[p] == Approx(std::max(0.0, expected)).margin(1e-4));
    }
    CHECK(relative_difference(r.map, upsample_bilinear(r.layer_map, 4, 4)) == 0.0);
  }
}

TEST_CASE("eigen-cam agrees with an independent power iteration", "[eigen-cam]") {
  for (std::int64_t k : {1, 2, 5, 9}) {
    const auto model = identity_model(k);
    for (std::uint64_t seed : {1U, 2U, 3U}) {
      const Tensor x = random_tensor(model.batch_shape(1), seed + 10 * static_cast<unsigned>(k));
      const auto r = explain("eigen-cam", model, x, {1}, {{"relu", "false"}});
      CHECK(max_relative_error(r.layer_map, reference_projection(x, k)) < 1e-4);
    }
  }
}

TEST_CASE("eigen-cam's orientation is deterministic", "[eigen-cam]") {
  const std::int64_t k = 6;
  const auto model = identity_model(k);
  for (std::uint64_t seed : {4U, 5U, 6U}) {
    const Tensor x = random_tensor(model.batch_shape(1), seed);
    const auto r = explain("eigen-cam", model, x, {0}, {{"relu", "false"}});
    // Positively correlated with the channel-mean map.
    double correlation = 0.0;
    for (int p = 0; p < plane; ++p) {
      double mean = 0.0;
      for (int c = 0; c < k; ++c) mean += x[c * plane + p];
      correlation += r.layer_map[p] * mean / k;
    }
    CHECK(correlation > 0.0);
    // Negating every map negates the projection; permuting the channels does not change it.
    Tensor negated = x, permuted = x;
    for (std::int64_t i = 0; i < x.size(); ++i) negated[i] = -x[i];
    for (int c = 0; c < k; ++c)
      for (int p = 0; p < plane; ++p) permuted[c * plane + p] = x[((c + 2) % k) * plane + p];
    const auto minus = explain("eigen-cam", model, negated, {0}, {{"relu", "false"}});
    const auto moved = explain("eigen-cam", model, permuted, {0}, {{"relu", "false"}});
    for (int p = 0; p < plane; ++p) {
      CHECK(minus.layer_map[p] == Approx(-r.layer_map[p]).margin(1e-5));
      CHECK(moved.layer_map[p] == Approx(r.layer_map[p]).margin(1e-5));
    }
  }
}

TEST_CASE("eigen-cam ignores the target and runs one forward pass, no backward", "[eigen-cam]") {
  const auto model = conv_net(3);
  const Tensor x = random_tensor(model.batch_shape(2), 9);
  const auto a = explain("eigen-cam", model, x, {1, 4});
  const auto b = explain("eigen-cam", model, x, {0, 2});
  CHECK(relative_difference(a.map, b.map) == 0.0);
  CHECK(a.passes.forward == 2);
  CHECK(a.passes.backward == 0);
  CHECK_THROWS_AS(explain("eigen-cam", model, x, {1, 5}), InvalidArgument);
}

TEST_CASE("eigen-cam picks the last spatial layer by default and refuses a flat one",
          "[eigen-cam]") {
  check_default_cam_layer("eigen-cam");
}
