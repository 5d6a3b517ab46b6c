// lumen/detail/map_math.hpp against the plain loops it replaced: the same values to the bit.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <limits>
#include <lumen/detail/map_math.hpp>
#include <lumen/error.hpp>
#include <random>
#include <vector>

using namespace lumen;
using namespace lumen::detail;

namespace {

std::vector<float> random_values(std::size_t count, std::uint32_t seed, float low = -3.0F,
                                 float high = 5.0F) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(low, high);
  std::vector<float> v(count);
  for (float& x : v) x = u(rng);
  return v;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

}  // namespace

TEST_CASE("scale_to_unit is (v - min) / (max - min), and a constant for a constant map",
          "[map_math]") {
  // 37 values: more than one SIMD batch and a remainder.
  std::vector<float> v = random_values(37, 1);
  std::vector<float> expected = v;
  const auto [lo, hi] = std::minmax_element(expected.begin(), expected.end());
  const float low = *lo, range = *hi - *lo;
  for (float& x : expected) x = (x - low) / range;
  scale_to_unit(v);
  CHECK(same_bits(v, expected));
  CHECK(*std::min_element(v.begin(), v.end()) == 0.0F);
  CHECK(*std::max_element(v.begin(), v.end()) == 1.0F);

  std::vector<float> constant(5, 2.5F);
  scale_to_unit(constant);
  CHECK(constant == std::vector<float>(5, 0.0F));
  constant.assign(5, 2.5F);
  scale_to_unit(constant, 0.5F);
  CHECK(constant == std::vector<float>(5, 0.5F));
  std::vector<float> none;
  scale_to_unit(none);
  CHECK(none.empty());
}

TEST_CASE("value_range finds the extremes, infinite ones too", "[map_math]") {
  const std::vector<float> v{3.0F, -1.0F, 7.5F, 0.0F};
  CHECK(value_range(v).min == -1.0F);
  CHECK(value_range(v).max == 7.5F);
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> negative(3, -inf), positive(3, inf);
  CHECK(value_range(negative).min == -inf);
  CHECK(value_range(negative).max == -inf);
  CHECK(value_range(positive).min == inf);
  CHECK(value_range(positive).max == inf);
  CHECK_THROWS_AS(value_range(std::vector<float>{}), ShapeError);
}

TEST_CASE("scale_by_range scales with another map's range", "[map_math]") {
  std::vector<float> v{1.0F, 2.0F, 4.0F};
  scale_by_range(v, ValueRange{0.0F, 8.0F});
  CHECK(v == std::vector<float>{0.125F, 0.25F, 0.5F});
  scale_by_range(v, ValueRange{1.0F, 1.0F});
  CHECK(v == std::vector<float>(3, 0.0F));
}

TEST_CASE("scale_maps_to_unit scales each map on its own", "[map_math]") {
  std::vector<float> maps{0.0F, 2.0F, 4.0F, 10.0F, 10.0F, 10.0F, -1.0F, 1.0F, 0.0F};
  scale_maps_to_unit(maps, 3);
  CHECK(maps == std::vector<float>{0.0F, 0.5F, 1.0F, 0.0F, 0.0F, 0.0F, 0.0F, 1.0F, 0.5F});
  CHECK_THROWS_AS(scale_maps_to_unit(maps, 4), ShapeError);
  CHECK_THROWS_AS(scale_maps_to_unit(maps, 0), ShapeError);
}

TEST_CASE("standardise_channels is (x - mean[c]) / std[c] per channel of every sample",
          "[map_math]") {
  const std::size_t n = 2, c = 3, plane = 21;
  std::vector<float> images = random_values(n * c * plane, 2, 0.0F, 1.0F);
  const std::vector<float> mean{0.485F, 0.456F, 0.406F}, stdev{0.229F, 0.224F, 0.225F};
  std::vector<float> expected = images;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const std::size_t k = (i / plane) % c;
    expected[i] = (expected[i] - mean[k]) / stdev[k];
  }
  standardise_channels(images, mean, stdev, plane);
  CHECK(same_bits(images, expected));
  CHECK_THROWS_AS(standardise_channels(images, mean, std::vector<float>{1.0F}, plane), ShapeError);
  CHECK_THROWS_AS(standardise_channels(images, mean, stdev, 20), ShapeError);
}

TEST_CASE("mean_of_maps sums the maps in order and divides by their count", "[map_math]") {
  const std::size_t c = 3, plane = 19;
  const std::vector<float> maps = random_values(c * plane, 3);
  std::vector<float> expected(plane);
  for (std::size_t p = 0; p < plane; ++p) {
    float sum = 0.0F;
    for (std::size_t k = 0; k < c; ++k) sum += maps[k * plane + p];
    expected[p] = sum / static_cast<float>(c);
  }
  std::vector<float> out(plane, 99.0F);
  mean_of_maps(maps, out);
  CHECK(same_bits(out, expected));
  std::vector<float> wrong(plane + 1);
  CHECK_THROWS_AS(mean_of_maps(maps, wrong), ShapeError);
}

TEST_CASE("add_weighted_maps adds sum_k w_k A_k in order of k and skips zero weights",
          "[map_math]") {
  const std::size_t k = 5, plane = 23;
  std::vector<float> maps = random_values(k * plane, 4);
  const std::vector<float> weights{0.5F, -1.25F, 0.0F, 2.0F, 0.1F};
  std::vector<float> expected = random_values(plane, 5);
  std::vector<float> out = expected;
  for (std::size_t j = 0; j < k; ++j)
    for (std::size_t p = 0; p < plane; ++p) expected[p] += weights[j] * maps[j * plane + p];
  // The map of the zero weight may hold anything: it is not read.
  maps[2 * plane] = std::numeric_limits<float>::quiet_NaN();
  add_weighted_maps(maps, weights, out);
  CHECK(same_bits(out, expected));
  CHECK_THROWS_AS(add_weighted_maps(maps, std::vector<float>(4, 1.0F), out), ShapeError);
}

TEST_CASE("multiply_by_mask and blend_by_mask apply one mask to every channel", "[map_math]") {
  const std::size_t c = 3, plane = 17;
  const std::vector<float> x = random_values(c * plane, 6), b = random_values(c * plane, 7);
  const std::vector<float> mask = random_values(plane, 8, 0.0F, 1.0F);
  std::vector<float> masked(c * plane), blended(c * plane);
  std::vector<float> expected_masked(c * plane), expected_blended(c * plane);
  for (std::size_t k = 0; k < c; ++k)
    for (std::size_t p = 0; p < plane; ++p) {
      const std::size_t i = k * plane + p;
      expected_masked[i] = x[i] * mask[p];
      expected_blended[i] = x[i] * mask[p] + b[i] * (1.0F - mask[p]);
    }
  multiply_by_mask(x, mask, masked);
  blend_by_mask(x, b, mask, blended);
  CHECK(same_bits(masked, expected_masked));
  CHECK(same_bits(blended, expected_blended));
  std::vector<float> short_out(c * plane - 1);
  CHECK_THROWS_AS(multiply_by_mask(x, mask, short_out), ShapeError);
  CHECK_THROWS_AS(blend_by_mask(x, b, std::vector<float>(plane + 1), blended), ShapeError);
}
