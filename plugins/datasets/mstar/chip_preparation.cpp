#include "chip_preparation.hpp"

#include <algorithm>
#include <cmath>
#include <lumen/resample.hpp>

namespace lumen::mstar {

namespace {

constexpr double smallest_magnitude = 1e-10;  // -200 dB: the dB of a zero magnitude

}  // namespace

Tensor prepare_chip(std::span<const float> magnitude, std::int64_t rows, std::int64_t columns,
                    const Preparation& p) {
  const std::int64_t crop = std::min({p.crop == 0 ? p.size : p.crop, rows, columns});
  const std::int64_t top = (rows - crop) / 2, left = (columns - crop) / 2;
  Tensor cut({1, 1, crop, crop});
  for (std::int64_t r = 0; r < crop; ++r) {
    for (std::int64_t c = 0; c < crop; ++c) {
      cut[r * crop + c] = magnitude[static_cast<std::size_t>((top + r) * columns + left + c)];
    }
  }
  Tensor out = upsample_bilinear(cut, p.size, p.size).reshaped({1, p.size, p.size});
  float peak = 0.0F;
  for (float v : out.values()) peak = std::max(peak, v);
  if (p.decibels) {
    const double top_db = 20.0 * std::log10(std::max<double>(peak, smallest_magnitude));
    for (float& v : out.values()) {
      const double db = 20.0 * std::log10(std::max<double>(v, smallest_magnitude));
      v = static_cast<float>(p.normalise == Preparation::Normalise::chip_max
                                 ? std::clamp((db - top_db + p.db_range) / p.db_range, 0.0, 1.0)
                                 : db);
    }
  } else if (p.normalise == Preparation::Normalise::chip_max && peak > 0.0F) {
    for (float& v : out.values()) v /= peak;
  }
  if (p.normalise == Preparation::Normalise::standardise) {
    double mean = 0.0, square = 0.0;
    for (float v : out.values()) mean += v;
    mean /= static_cast<double>(out.size());
    for (float v : out.values()) square += (v - mean) * (v - mean);
    const double deviation = std::sqrt(square / static_cast<double>(out.size()));
    for (float& v : out.values()) {
      v = static_cast<float>(deviation > 0.0 ? (v - mean) / deviation : v - mean);
    }
  }
  return out;
}

}  // namespace lumen::mstar
