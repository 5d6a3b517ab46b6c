#include <catch2/catch.hpp>
#include <cstdint>

#include "lumen/error.hpp"
#include "lumen/tensor.hpp"

using lumen::Shape;

TEST_CASE("element_count multiplies the dimensions and refuses what does not fit 64 bits",
          "[tensor][parsing]") {
  CHECK(lumen::element_count({}) == 1);
  CHECK(lumen::element_count({2, 3, 4}) == 24);
  CHECK(lumen::element_count({5, 0, 7}) == 0);
  CHECK_THROWS_AS(lumen::element_count({2, -1}), lumen::ShapeError);
  // 2^32 * 2^32 wraps to 0 in 64-bit arithmetic: a file declaring it must not pass for empty.
  const std::int64_t big = std::int64_t{1} << 32;
  CHECK_THROWS_WITH(lumen::element_count({big, big}),
                    Catch::Contains("[4294967296,4294967296]") && Catch::Contains("2^63 - 1"));
  CHECK_THROWS_AS(lumen::element_count({3, big, big}), lumen::ShapeError);
  CHECK(lumen::element_count({big, (std::int64_t{1} << 30) - 1}) > 0);
}
