#include "masks.hpp"

#include <algorithm>
#include <lumen/resample.hpp>
#include <random>
#include <vector>

namespace rise {
namespace {

// Uniform in [0,1) from the generator's raw bits: std::uniform_real_distribution may differ
// between standard libraries, and a seed must give the same masks everywhere.
double uniform(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11U) * 0x1.0p-53; }

std::int64_t below(std::mt19937_64& rng, std::int64_t n) {
  return static_cast<std::int64_t>(uniform(rng) * static_cast<double>(n));
}

}  // namespace

lumen::Tensor make_masks(const lumen::Context& context, const MaskSpec& spec, std::int64_t first,
                         std::int64_t count) {
  const std::int64_t s = spec.cells;
  const std::int64_t cell_h = (spec.height + s - 1) / s;
  const std::int64_t cell_w = (spec.width + s - 1) / s;
  lumen::Tensor grids({count, 1, s, s});
  std::vector<std::int64_t> shift_y(static_cast<std::size_t>(count));
  std::vector<std::int64_t> shift_x(shift_y.size());
  for (std::int64_t i = 0; i < count; ++i) {
    auto rng = context.rng(static_cast<std::uint64_t>(first + i));
    for (std::int64_t cell = 0; cell < s * s; ++cell) {
      grids[i * s * s + cell] = uniform(rng) < spec.probability ? 1.0F : 0.0F;
    }
    shift_y[static_cast<std::size_t>(i)] = below(rng, cell_h);
    shift_x[static_cast<std::size_t>(i)] = below(rng, cell_w);
  }
  const std::int64_t up_h = (s + 1) * cell_h;
  const std::int64_t up_w = (s + 1) * cell_w;
  const lumen::Tensor smooth = lumen::upsample_bilinear(grids, up_h, up_w);
  lumen::Tensor masks({count, 1, spec.height, spec.width});
  for (std::int64_t i = 0; i < count; ++i) {
    const float* from = smooth.data() + i * up_h * up_w;
    float* to = masks.data() + i * spec.height * spec.width;
    for (std::int64_t y = 0; y < spec.height; ++y) {
      const float* row = from + (y + shift_y[static_cast<std::size_t>(i)]) * up_w +
                         shift_x[static_cast<std::size_t>(i)];
      std::copy(row, row + spec.width, to + y * spec.width);
    }
  }
  return masks;
}

}  // namespace rise
