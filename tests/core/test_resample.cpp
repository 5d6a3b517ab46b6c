#include <algorithm>
#include <catch2/catch.hpp>
#include <random>

#include "lumen/error.hpp"
#include "lumen/resample.hpp"

using lumen::Tensor;

namespace {

// Where output index o of an axis of `out` samples an axis of `in` (half-pixel centres, clamped).
double source_coordinate(std::int64_t o, std::int64_t in, std::int64_t out) {
  const double src = (static_cast<double>(o) + 0.5) * static_cast<double>(in) / out - 0.5;
  return std::clamp(src, 0.0, static_cast<double>(in - 1));
}

}  // namespace

TEST_CASE("upsample_bilinear keeps constant maps constant", "[resample]") {
  for (auto [h, w, height, width] :
       {std::array<std::int64_t, 4>{3, 5, 7, 11}, {8, 8, 3, 2}, {2, 9, 2, 4}, {5, 1, 10, 10}}) {
    const Tensor maps({2, 3, h, w}, 0.375F);
    const Tensor out = lumen::upsample_bilinear(maps, height, width);
    REQUIRE(out.shape() == lumen::Shape{2, 3, height, width});
    for (float v : out.values()) REQUIRE(v == 0.375F);
  }
}

TEST_CASE("upsample_bilinear turns a 1x1 map into a constant map", "[resample]") {
  const Tensor maps({1, 2, 1, 1}, std::vector<float>{-2.5F, 4.0F});
  const Tensor out = lumen::upsample_bilinear(maps, 6, 3);
  for (std::int64_t i = 0; i < 18; ++i) REQUIRE(out[i] == -2.5F);
  for (std::int64_t i = 18; i < 36; ++i) REQUIRE(out[i] == 4.0F);
}

TEST_CASE("upsample_bilinear 2x2 -> 4x4 matches values computed by hand", "[resample]") {
  // Output o reads src = 0.5 * o - 0.25: weights (1,0), (0.75,0.25), (0.25,0.75), (0,1).
  const Tensor maps({1, 1, 2, 2}, std::vector<float>{1, 2, 3, 4});
  const Tensor out = lumen::upsample_bilinear(maps, 4, 4);
  const std::vector<float> expected{1.0F, 1.25F, 1.75F, 2.0F,  //
                                    1.5F, 1.75F, 2.25F, 2.5F,  //
                                    2.5F, 2.75F, 3.25F, 3.5F,  //
                                    3.0F, 3.25F, 3.75F, 4.0F};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    REQUIRE(out[static_cast<std::int64_t>(i)] == Approx(expected[i]).margin(1e-6));
  }
}

TEST_CASE("upsample_bilinear halving is a 2x2 box average", "[resample]") {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-1.0F, 1.0F);
  Tensor maps({1, 1, 4, 6});
  for (float& v : maps.values()) v = u(rng);
  const Tensor out = lumen::upsample_bilinear(maps, 2, 3);
  for (std::int64_t y = 0; y < 2; ++y) {
    for (std::int64_t x = 0; x < 3; ++x) {
      const auto at = [&](std::int64_t r, std::int64_t c) { return maps[r * 6 + c]; };
      const float box = (at(2 * y, 2 * x) + at(2 * y, 2 * x + 1) + at(2 * y + 1, 2 * x) +
                         at(2 * y + 1, 2 * x + 1)) /
                        4.0F;
      REQUIRE(out[y * 3 + x] == Approx(box).margin(1e-6));
    }
  }
}

TEST_CASE("upsample_bilinear reproduces a linear ramp, clamped at the edges", "[resample]") {
  // f(i, j) = 10 i + j is reproduced exactly at every (clamped) source coordinate.
  for (auto [h, w, height, width] :
       {std::array<std::int64_t, 4>{3, 5, 7, 11}, {6, 4, 4, 9}, {2, 2, 5, 3}}) {
    Tensor maps({1, 1, h, w});
    for (std::int64_t i = 0; i < h; ++i) {
      for (std::int64_t j = 0; j < w; ++j) maps[i * w + j] = static_cast<float>(10 * i + j);
    }
    const Tensor out = lumen::upsample_bilinear(maps, height, width);
    for (std::int64_t y = 0; y < height; ++y) {
      for (std::int64_t x = 0; x < width; ++x) {
        const double expected =
            10.0 * source_coordinate(y, h, height) + source_coordinate(x, w, width);
        REQUIRE(out[y * width + x] == Approx(expected).margin(1e-4));
      }
    }
  }
}

TEST_CASE("upsample_bilinear is the identity when the size matches", "[resample]") {
  const Tensor maps({2, 1, 2, 3}, std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
  const Tensor out = lumen::upsample_bilinear(maps, 2, 3);
  REQUIRE(out.shape() == maps.shape());
  REQUIRE(std::equal(out.values().begin(), out.values().end(), maps.values().begin()));
}

TEST_CASE("upsample_bilinear treats each plane on its own", "[resample]") {
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(-1.0F, 1.0F);
  Tensor maps({2, 3, 3, 4});
  for (float& v : maps.values()) v = u(rng);
  const Tensor out = lumen::upsample_bilinear(maps, 5, 7);
  for (std::int64_t p = 0; p < 6; ++p) {
    const Tensor plane({1, 1, 3, 4},
                       std::vector<float>(maps.data() + p * 12, maps.data() + p * 12 + 12));
    const Tensor single = lumen::upsample_bilinear(plane, 5, 7);
    for (std::int64_t i = 0; i < 35; ++i) REQUIRE(out[p * 35 + i] == single[i]);
  }
}

TEST_CASE("upsample_bilinear rejects bad shapes and sizes", "[resample]") {
  REQUIRE_THROWS_AS(lumen::upsample_bilinear(Tensor({1, 2, 2}), 4, 4), lumen::ShapeError);
  REQUIRE_THROWS_AS(lumen::upsample_bilinear(Tensor({1, 1, 2, 2}), 0, 4), lumen::InvalidArgument);
  REQUIRE_THROWS_AS(lumen::upsample_bilinear(Tensor({1, 1, 0, 2}), 3, 4), lumen::ShapeError);
}
