#include <catch2/catch.hpp>
#include <cmath>
#include <lumen/error.hpp>
#include <lumen/layers.hpp>
#include <lumen/trace.hpp>
#include <random>
#include <set>

#include "../ridge.hpp"
#include "../segmentation.hpp"
#include "explain_helpers.hpp"
#include "linear_model.hpp"
#include "test_models.hpp"

using namespace lumen;
using namespace lumen::testing;

namespace {

// With segments switched to a fill image, a linear model's logit is linear in the on/off vector:
// f(x_z) = f(fill) + sum_s z_s b_s, b_s = sum_{i in s} W_ci (x_i - fill_i). The expected
// coefficient painted at every value: b_s of the value's segment.
Tensor segment_contributions(const RandomLinearModel& lm, const Tensor& x, std::int64_t target,
                             const lime::Segments& segments, const std::vector<float>& fill) {
  const std::int64_t channels = x.dim(1), pixels = x.dim(2) * x.dim(3);
  std::vector<double> b(static_cast<std::size_t>(segments.count));
  for (std::int64_t c = 0; c < channels; ++c)
    for (std::int64_t i = 0; i < pixels; ++i) {
      const std::int64_t v = c * pixels + i;
      b[static_cast<std::size_t>(segments.labels[static_cast<std::size_t>(i)])] +=
          static_cast<double>(lm.weight[target * x.size() + v]) *
          (x[v] - fill[static_cast<std::size_t>(v)]);
    }
  Tensor r(x.shape());
  for (std::int64_t c = 0; c < channels; ++c)
    for (std::int64_t i = 0; i < pixels; ++i)
      r[c * pixels + i] = static_cast<float>(
          b[static_cast<std::size_t>(segments.labels[static_cast<std::size_t>(i)])]);
  return r;
}

}  // namespace

TEST_CASE("cholesky_solve solves symmetric positive definite systems", "[lime]") {
  for (std::uint64_t seed : {1U, 2U, 3U}) {
    for (std::size_t n : {1U, 3U, 9U}) {
      std::mt19937_64 rng(seed);
      std::normal_distribution<double> normal;
      std::vector<double> m(n * n), a(n * n), truth(n), b(n);
      for (double& v : m) v = normal(rng);
      for (double& v : truth) v = normal(rng);
      for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < n; ++j) {
          for (std::size_t p = 0; p < n; ++p) a[i * n + j] += m[p * n + i] * m[p * n + j];
          if (i == j) a[i * n + j] += 0.1;
        }
      for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < n; ++j) b[i] += a[i * n + j] * truth[j];
      const auto x = lime::cholesky_solve(a, b);
      for (std::size_t i = 0; i < n; ++i) CHECK(x[i] == Approx(truth[i]).margin(1e-8));
    }
  }
  CHECK_THROWS_AS(lime::cholesky_solve({1.0, 2.0, 2.0, 1.0}, {1.0, 1.0}), InvalidArgument);
}

TEST_CASE("weighted_ridge satisfies the ridge optimality conditions", "[lime]") {
  for (std::uint64_t seed : {4U, 5U, 6U}) {
    for (double alpha : {0.0, 0.3, 5.0}) {
      const std::int64_t k = 5, rows = 40;
      std::mt19937_64 rng(seed);
      std::uniform_real_distribution<double> u(0.0, 1.0);
      std::vector<double> x(static_cast<std::size_t>(rows * k)), y(rows), w(rows);
      for (double& v : x) v = u(rng) < 0.5 ? 0.0 : 1.0;
      for (double& v : y) v = u(rng);
      for (double& v : w) v = 0.1 + u(rng);
      const auto beta = lime::weighted_ridge(x, y, w, k, alpha);
      // beta0 from the weighted means; then d/d beta of the objective must vanish.
      double total = 0.0, intercept = 0.0;
      for (std::int64_t r = 0; r < rows; ++r) {
        double fit = 0.0;
        for (std::int64_t j = 0; j < k; ++j) fit += x[r * k + j] * beta[j];
        total += w[r];
        intercept += w[r] * (y[r] - fit);
      }
      intercept /= total;
      for (std::int64_t j = 0; j < k; ++j) {
        double gradient = alpha * beta[j];
        for (std::int64_t r = 0; r < rows; ++r) {
          double residual = y[r] - intercept;
          for (std::int64_t p = 0; p < k; ++p) residual -= x[r * k + p] * beta[p];
          gradient -= w[r] * residual * x[r * k + j];
        }
        CAPTURE(seed, alpha, j);
        CHECK(gradient == Approx(0.0).margin(1e-9));
      }
    }
  }
}

TEST_CASE("lime segmentations cover the image with the segments they report", "[lime]") {
  const auto grid = lime::grid_segments(7, 9, 12);
  CHECK(grid.count == 12);  // rows round(sqrt(12 * 7 / 9)) = 3, columns 4
  CHECK(grid.labels[0] == 0);
  CHECK(grid.labels[6 * 9 + 8] == 11);
  // Boundaries at floor(r * 7 / 3) = 0, 2, 4, 7 and floor(c * 9 / 4) = 0, 2, 4, 6, 9.
  CHECK(grid.labels[1 * 9 + 1] == 0);
  CHECK(grid.labels[2 * 9 + 2] == 5);
  CHECK(grid.labels[4 * 9 + 5] == 10);
  // Two flat halves: slic with two segments cuts exactly between them.
  std::vector<float> image(2 * 6 * 8);
  for (std::int64_t c = 0; c < 2; ++c)
    for (std::int64_t i = 0; i < 48; ++i)
      image[static_cast<std::size_t>(c * 48 + i)] = (i % 8) < 3 ? 0.1F : 0.9F;
  const auto slic = lime::slic_segments(image.data(), 2, 6, 8, 2, 0.1);
  REQUIRE(slic.count == 2);
  for (std::int64_t i = 0; i < 48; ++i)
    CHECK(slic.labels[static_cast<std::size_t>(i)] == ((i % 8) < 3 ? 0 : 1));
  const Tensor noise = random_tensor({3, 12, 12}, 3);
  const auto many = lime::slic_segments(noise.data(), 3, 12, 12, 9, 0.1);
  std::set<std::int32_t> used(many.labels.begin(), many.labels.end());
  CHECK(static_cast<std::int64_t>(used.size()) == many.count);
  CHECK(many.count <= 9);
  CHECK(*used.rbegin() == many.count - 1);
}

TEST_CASE("lime recovers the segment contributions of a score linear in segment presence",
          "[lime]") {
  for (std::uint64_t seed : {1U, 2U, 3U}) {
    const auto lm = random_linear_classifier({2, 8, 8}, 3, seed);
    const Tensor x = random_tensor(lm.model.batch_shape(1), seed + 40);
    for (const std::string& segmentation : std::vector<std::string>{"grid", "slic"}) {
      for (const std::string& fill : std::vector<std::string>{"baseline", "segment-mean"}) {
        const std::int64_t target = static_cast<std::int64_t>(seed % 3);
        const auto a = explain("lime", lm.model, x, {target},
                               {{"segmentation", segmentation},
                                {"segments", "9"},
                                {"fill", fill},
                                {"baseline", "0.3"},
                                {"score", "logit"},
                                {"alpha", "0"}},
                               std::nullopt, 1, seed);
        const auto segments = segmentation == "grid"
                                  ? lime::grid_segments(8, 8, 9)
                                  : lime::slic_segments(x.data(), 2, 8, 8, 9, 0.1);
        std::vector<float> fill_values(static_cast<std::size_t>(x.size()), 0.3F);
        if (fill == "segment-mean") {
          for (std::int64_t c = 0; c < 2; ++c) {
            std::vector<double> sum(static_cast<std::size_t>(segments.count)), count(sum.size());
            for (std::int64_t i = 0; i < 64; ++i) {
              const auto s = static_cast<std::size_t>(segments.labels[static_cast<std::size_t>(i)]);
              sum[s] += x[c * 64 + i];
              count[s] += 1;
            }
            for (std::int64_t i = 0; i < 64; ++i) {
              const auto s = static_cast<std::size_t>(segments.labels[static_cast<std::size_t>(i)]);
              fill_values[static_cast<std::size_t>(c * 64 + i)] =
                  static_cast<float>(sum[s] / count[s]);
            }
          }
        }
        CAPTURE(seed, segmentation, fill);
        CHECK(relative_difference(
                  a.map, segment_contributions(lm, x, target, segments, fill_values)) < 1e-4);
      }
    }
  }
}

TEST_CASE("lime fits the softmax probability: one segment gives S_c(x) - S_c(fill)", "[lime]") {
  for (std::uint64_t seed : {1U, 2U, 3U}) {
    const auto model = conv_net(seed);
    const Tensor x = random_tensor(model.batch_shape(1), seed + 50);
    const std::int64_t target = 1;
    const auto a =
        explain("lime", model, x, {target},
                {{"segments", "1"}, {"alpha", "0"}, {"baseline", "0.2"}}, std::nullopt, 1, seed);
    const Tensor p = softmax_rows(logits(model, x));
    const Tensor p_fill = softmax_rows(logits(model, Tensor(x.shape(), 0.2F)));
    const double expected = p[target] - p_fill[target];
    CAPTURE(seed);
    for (std::int64_t i = 0; i < x.size(); ++i) CHECK(a.map[i] == Approx(expected).margin(1e-5));
  }
}

TEST_CASE("lime: seeds reproduce, batch equals one by one, 1 thread equals 2", "[lime]") {
  for (const std::string& segmentation : std::vector<std::string>{"grid", "slic"}) {
    const auto model = residual_net(6);
    const Tensor x = random_tensor(model.batch_shape(3), 7);
    const std::vector<std::int64_t> targets{2, 0, 3};
    const std::map<std::string, std::string> params{
        {"segmentation", segmentation}, {"samples", "50"}, {"batch_size", "16"}};
    const auto a = explain("lime", model, x, targets, params, std::nullopt, 1, 11);
    CHECK(relative_difference(explain("lime", model, x, targets, params, std::nullopt, 1, 11).map,
                              a.map) == 0.0);
    CHECK(relative_difference(explain("lime", model, x, targets, params, std::nullopt, 2, 11).map,
                              a.map) == 0.0);
    CHECK(relative_difference(explain("lime", model, x, targets, params, std::nullopt, 1, 12).map,
                              a.map) > 1e-3);
    auto one_batch = params;
    one_batch.erase("batch_size");
    one_batch.emplace("batch_size", "1");
    CHECK(relative_difference(
              explain("lime", model, x, targets, one_batch, std::nullopt, 2, 11).map, a.map) <
          1e-5);
    // The default, automatic batch: the same fit, and the same bits on 1 and 2 threads.
    auto automatic = params;
    automatic.erase("batch_size");
    const auto one_thread = explain("lime", model, x, targets, automatic, std::nullopt, 1, 11);
    CHECK(relative_difference(one_thread.map, a.map) < 1e-5);
    CHECK(
        relative_difference(explain("lime", model, x, targets, automatic, std::nullopt, 2, 11).map,
                            one_thread.map) == 0.0);
    CHECK(a.passes.forward == 3 * 50);
    for (std::int64_t s = 0; s < 3; ++s) {
      const auto one = explain("lime", model, x.batch_slice(s),
                               {targets[static_cast<std::size_t>(s)]}, params, std::nullopt, 1, 11);
      CHECK(relative_difference(a.map.batch_slice(s), one.map) < 1e-5);
    }
  }
}
