#include "lumen/resample.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "lumen/error.hpp"
#include "resample_planes.hpp"

namespace lumen {
namespace {

// For each output index along one axis: the two input indices it reads and the weight of the
// second one.
struct AxisTaps {
  std::vector<std::int64_t> low, high;
  std::vector<float> frac;
};

AxisTaps axis_taps(std::int64_t in, std::int64_t out) {
  AxisTaps t;
  t.low.resize(static_cast<std::size_t>(out));
  t.high.resize(static_cast<std::size_t>(out));
  t.frac.resize(static_cast<std::size_t>(out));
  const double scale = static_cast<double>(in) / static_cast<double>(out);
  for (std::int64_t o = 0; o < out; ++o) {
    const double src = std::max(0.0, (static_cast<double>(o) + 0.5) * scale - 0.5);
    const auto low = std::min(static_cast<std::int64_t>(std::floor(src)), in - 1);
    const auto i = static_cast<std::size_t>(o);
    t.low[i] = low;
    t.high[i] = std::min(low + 1, in - 1);
    t.frac[i] = static_cast<float>(src - static_cast<double>(low));
  }
  return t;
}

}  // namespace

void upsample_bilinear_planes(const float* in, std::int64_t planes, std::int64_t h, std::int64_t w,
                              float* out, std::int64_t height, std::int64_t width) {
  const AxisTaps rows = axis_taps(h, height);
  const AxisTaps cols = axis_taps(w, width);
  for (std::int64_t p = 0; p < planes; ++p) {
    const float* src = in + p * h * w;
    float* dst = out + p * height * width;
    for (std::int64_t y = 0; y < height; ++y) {
      const auto yi = static_cast<std::size_t>(y);
      const float* top = src + rows.low[yi] * w;
      const float* bottom = src + rows.high[yi] * w;
      const float fy = rows.frac[yi];
      for (std::int64_t x = 0; x < width; ++x) {
        const auto xi = static_cast<std::size_t>(x);
        const auto x0 = cols.low[xi], x1 = cols.high[xi];
        const float fx = cols.frac[xi];
        const float upper = top[x0] + fx * (top[x1] - top[x0]);
        const float lower = bottom[x0] + fx * (bottom[x1] - bottom[x0]);
        dst[y * width + x] = upper + fy * (lower - upper);
      }
    }
  }
}

Tensor upsample_bilinear(const Tensor& maps, std::int64_t height, std::int64_t width) {
  if (maps.rank() != 4) {
    throw ShapeError("upsample_bilinear needs [N,C,H,W] maps, got " + to_string(maps.shape()));
  }
  if (height <= 0 || width <= 0) {
    throw InvalidArgument("upsample_bilinear: target size " + std::to_string(height) + "x" +
                          std::to_string(width) + " is not positive");
  }
  const std::int64_t h = maps.dim(2), w = maps.dim(3);
  if (h == 0 || w == 0) {
    throw ShapeError("upsample_bilinear: empty maps " + to_string(maps.shape()));
  }
  if (h == height && w == width) return maps;
  Tensor out({maps.dim(0), maps.dim(1), height, width});
  upsample_bilinear_planes(maps.data(), maps.dim(0) * maps.dim(1), h, w, out.data(), height, width);
  return out;
}

}  // namespace lumen
