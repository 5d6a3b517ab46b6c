#include "compare.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <sstream>

namespace lumen::cpu_blas_test {

std::vector<float> random_values(std::int64_t count, std::uint32_t seed) {
  std::mt19937 engine(seed);
  std::uniform_real_distribution<float> uniform(-1.0F, 1.0F);
  std::vector<float> values(static_cast<std::size_t>(count));
  for (float& v : values) v = uniform(engine);
  return values;
}

std::vector<float> small_integers(std::int64_t count, std::uint32_t seed) {
  std::mt19937 engine(seed);
  std::uniform_int_distribution<int> pick(0, 3);
  std::vector<float> values(static_cast<std::size_t>(count));
  for (float& v : values) v = static_cast<float>(pick(engine));
  return values;
}

std::vector<float> nan_filled(std::int64_t count) {
  return std::vector<float>(static_cast<std::size_t>(count),
                            std::numeric_limits<float>::quiet_NaN());
}

double relative_error(const std::vector<float>& actual, const std::vector<float>& expected) {
  if (actual.size() != expected.size()) return std::numeric_limits<double>::infinity();
  double worst = 0.0, scale = 0.0;
  for (std::size_t i = 0; i < actual.size(); ++i) {
    const double difference = std::abs(static_cast<double>(actual[i]) - expected[i]);
    if (std::isnan(difference)) return std::numeric_limits<double>::infinity();
    worst = std::max(worst, difference);
    scale = std::max(scale, std::abs(static_cast<double>(expected[i])));
  }
  return worst / (scale + 1e-6);
}

bool bit_identical(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

std::string describe(const Conv2dGeometry& g) {
  std::ostringstream out;
  out << "conv N=" << g.batch << " C=" << g.in_channels << "->" << g.out_channels << " in "
      << g.in_h << "x" << g.in_w << " out " << g.out_h << "x" << g.out_w << " kernel " << g.kernel_h
      << "x" << g.kernel_w << " stride " << g.stride_h << "," << g.stride_w << " pad t" << g.pad_top
      << " l" << g.pad_left << " b" << g.pad_bottom << " r" << g.pad_right << " dilation "
      << g.dilation_h << "," << g.dilation_w << " groups " << g.groups;
  return out.str();
}

std::string describe(const Pool2dGeometry& g) {
  std::ostringstream out;
  out << "pool N=" << g.batch << " C=" << g.channels << " in " << g.in_h << "x" << g.in_w << " out "
      << g.out_h << "x" << g.out_w << " kernel " << g.kernel_h << "x" << g.kernel_w << " stride "
      << g.stride_h << "," << g.stride_w << " pad t" << g.pad_top << " l" << g.pad_left
      << " dilation " << g.dilation_h << "," << g.dilation_w << " count_include_pad "
      << g.count_include_pad;
  return out.str();
}

}  // namespace lumen::cpu_blas_test
