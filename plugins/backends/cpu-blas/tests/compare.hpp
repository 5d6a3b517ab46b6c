#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "lumen/backend.hpp"

namespace lumen::cpu_blas_test {

/// Agreement with the naive oracle: max over elements of |actual - expected| divided by
/// (max |expected| + 1e-6) must not exceed this. The oracle accumulates in double, the backend in
/// float through sgemm, so 1e-5 leaves room for float rounding over a few thousand terms.
constexpr double tolerance = 1e-5;

/// Uniform values in [-1, 1), reproducible from the seed.
std::vector<float> random_values(std::int64_t count, std::uint32_t seed);
/// Values drawn from {0, 1, 2, 3} (many ties), reproducible from the seed.
std::vector<float> small_integers(std::int64_t count, std::uint32_t seed);
/// A buffer of quiet NaNs: an output that is accumulated into instead of overwritten stays NaN.
std::vector<float> nan_filled(std::int64_t count);

/// max |actual - expected| / (max |expected| + 1e-6); infinity on a NaN or a size mismatch.
double relative_error(const std::vector<float>& actual, const std::vector<float>& expected);
/// Whether the two buffers hold the same bits.
bool bit_identical(const std::vector<float>& a, const std::vector<float>& b);

std::string describe(const Conv2dGeometry& g);
std::string describe(const Pool2dGeometry& g);

}  // namespace lumen::cpu_blas_test
