#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <lumen/io.hpp>

#include "metric_helpers.hpp"

using namespace lumen;
using namespace lumen::testing;

namespace {

// The map is drawn signed when it has a negative value, as its explainer would declare it.
MetricResult entropy(const Tensor& map, const std::string& measure) {
  const auto metric = registry().metric("xai-entropy");
  const Params params = Params::validate(metric->info().params, {{"measure", measure}}, "test");
  const Tensor x({map.dim(0), 1, map.dim(2), map.dim(3)});
  const std::vector<std::int64_t> targets(static_cast<std::size_t>(map.dim(0)), 0);
  const BatchCase c{.input = x,
                    .targets = targets,
                    .attribution = map,
                    .params = params,
                    .signed_map = std::any_of(map.values().begin(), map.values().end(),
                                              [](float v) { return v < 0.0F; })};
  return metric->evaluate(c, *make_context());
}

}  // namespace

TEST_CASE("xai-entropy of a constant map is 0 bits and its PNG is the smallest", "[xai-entropy]") {
  const Tensor flat({1, 1, 32, 32}, 0.7F);
  CHECK(entropy(flat, "shannon").per_sample[0] == 0.0);
  const Tensor noise = conformance::random_tensor({1, 1, 32, 32}, 41, 0.0F, 1.0F);
  const double flat_kb = entropy(flat, "png-kb").per_sample[0];
  const double noise_kb = entropy(noise, "png-kb").per_sample[0];
  CHECK(flat_kb > 0.0);
  CHECK(flat_kb < noise_kb);
  CHECK(entropy(noise, "shannon").per_sample[0] > 7.0);  // 1024 values over 256 levels
}

TEST_CASE("xai-entropy hand values: two and four equally used levels", "[xai-entropy]") {
  // Unsigned [0,1,0,1] -> levels 0 and 255: 1 bit. [0,1,2,3] -> 0, 85, 170, 255: 2 bits.
  CHECK(entropy(Tensor({1, 1, 2, 2}, {0, 1, 0, 1}), "shannon").per_sample[0] == Approx(1.0));
  CHECK(entropy(Tensor({1, 1, 2, 2}, {0, 1, 2, 3}), "shannon").per_sample[0] == Approx(2.0));
  // Signed [-2,2,-2,2] -> -1, 1 -> levels 0 and 255: 1 bit; [-1,0,0,0]: p = 1/4, 3/4.
  CHECK(entropy(Tensor({1, 1, 2, 2}, {-2, 2, -2, 2}), "shannon").per_sample[0] == Approx(1.0));
  const double h = -(0.25 * std::log2(0.25) + 0.75 * std::log2(0.75));
  CHECK(entropy(Tensor({1, 1, 2, 2}, {-1, 0, 0, 0}), "shannon").per_sample[0] == Approx(h));
}

TEST_CASE("xai-entropy png-kb is the size of core's heatmap PNG of the display map",
          "[xai-entropy]") {
  const Tensor map = conformance::random_tensor({2, 3, 16, 16}, 42);  // signed: has negatives
  const auto result = entropy(map, "png-kb");
  const auto dir = std::filesystem::temp_directory_path();
  for (std::int64_t n = 0; n < 2; ++n) {
    const Tensor sample = map.batch_slice(n).reshaped({3, 16, 16});
    const auto path = dir / ("xai_entropy_test_" + std::to_string(n) + ".png");
    write_heatmap_png(path, display_map(sample, true), true);
    CHECK(result.per_sample[static_cast<std::size_t>(n)] ==
          Approx(static_cast<double>(std::filesystem::file_size(path)) / 1024.0));
    std::filesystem::remove(path);
  }
}

TEST_CASE("xai-entropy draws the map signed or not as the case says", "[xai-entropy]") {
  // A non-negative map: the sequential colours when unsigned, the diverging ones when signed.
  Tensor ramp({1, 1, 16, 16});
  for (std::int64_t i = 0; i < ramp.size(); ++i) ramp[i] = static_cast<float>(i % 7);
  const auto metric = registry().metric("xai-entropy");
  const Params params = Params::validate(metric->info().params, {{"measure", "png-kb"}}, "test");
  const Tensor x({1, 1, 16, 16});
  const std::vector<std::int64_t> targets{0};
  BatchCase c{.input = x, .targets = targets, .attribution = ramp, .params = params};
  const auto dir = std::filesystem::temp_directory_path();
  for (const bool is_signed : {false, true}) {
    c.signed_map = is_signed;
    const double kb = metric->evaluate(c, *make_context()).per_sample[0];
    const auto path = dir / "xai_entropy_signed_test.png";
    write_heatmap_png(path, display_map(ramp.reshaped({1, 16, 16}), is_signed), is_signed);
    CHECK(kb == Approx(static_cast<double>(std::filesystem::file_size(path)) / 1024.0));
    std::filesystem::remove(path);
  }
}
