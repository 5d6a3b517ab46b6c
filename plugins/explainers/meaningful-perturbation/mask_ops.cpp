#include "mask_ops.hpp"

#include <algorithm>
#include <cmath>
#include <lumen/error.hpp>
#include <vector>

namespace lumen::meaningful_perturbation {
namespace {

// The taps of lumen::upsample_bilinear along one axis (half-pixel centres, clamped): output o
// reads input low[o] with weight 1 - frac[o] and high[o] with weight frac[o].
struct AxisTaps {
  std::vector<std::int64_t> low, high;
  std::vector<float> frac;
};

AxisTaps axis_taps(std::int64_t in, std::int64_t out) {
  AxisTaps t;
  const double scale = static_cast<double>(in) / static_cast<double>(out);
  for (std::int64_t o = 0; o < out; ++o) {
    const double src = std::max(0.0, (static_cast<double>(o) + 0.5) * scale - 0.5);
    const auto low = std::min(static_cast<std::int64_t>(std::floor(src)), in - 1);
    t.low.push_back(low);
    t.high.push_back(std::min(low + 1, in - 1));
    t.frac.push_back(static_cast<float>(src - static_cast<double>(low)));
  }
  return t;
}

}  // namespace

Tensor upsample_bilinear_transpose(const Tensor& maps, std::int64_t h, std::int64_t w) {
  if (maps.rank() != 4) {
    throw ShapeError("upsample_bilinear_transpose needs [N,C,H,W] maps, got " +
                     to_string(maps.shape()));
  }
  const std::int64_t height = maps.dim(2), width = maps.dim(3);
  if (h == height && w == width) return maps;  // upsample_bilinear is then the identity
  const AxisTaps rows = axis_taps(h, height);
  const AxisTaps cols = axis_taps(w, width);
  const std::int64_t planes = maps.dim(0) * maps.dim(1);
  Tensor out({maps.dim(0), maps.dim(1), h, w});
  std::vector<double> acc(static_cast<std::size_t>(h * w));
  for (std::int64_t p = 0; p < planes; ++p) {
    std::fill(acc.begin(), acc.end(), 0.0);
    const float* in = maps.data() + p * height * width;
    for (std::int64_t y = 0; y < height; ++y) {
      const auto yi = static_cast<std::size_t>(y);
      const double fy = rows.frac[yi];
      double* top = acc.data() + rows.low[yi] * w;
      double* bottom = acc.data() + rows.high[yi] * w;
      for (std::int64_t x = 0; x < width; ++x) {
        const auto xi = static_cast<std::size_t>(x);
        const double fx = cols.frac[xi];
        const double v = in[y * width + x];
        top[cols.low[xi]] += (1.0 - fy) * (1.0 - fx) * v;
        top[cols.high[xi]] += (1.0 - fy) * fx * v;
        bottom[cols.low[xi]] += fy * (1.0 - fx) * v;
        bottom[cols.high[xi]] += fy * fx * v;
      }
    }
    float* dst = out.data() + p * h * w;
    for (std::int64_t i = 0; i < h * w; ++i)
      dst[i] = static_cast<float>(acc[static_cast<std::size_t>(i)]);
  }
  return out;
}

Tensor gaussian_blur(const Tensor& images, double sigma) {
  if (images.rank() != 4) {
    throw ShapeError("gaussian_blur needs [N,C,H,W] images, got " + to_string(images.shape()));
  }
  if (sigma <= 0.0) return images;
  const auto radius = static_cast<std::int64_t>(std::ceil(3.0 * sigma));
  std::vector<double> kernel(static_cast<std::size_t>(2 * radius + 1));
  double total = 0.0;
  for (std::int64_t k = -radius; k <= radius; ++k) {
    const double v = std::exp(-static_cast<double>(k * k) / (2.0 * sigma * sigma));
    kernel[static_cast<std::size_t>(k + radius)] = v;
    total += v;
  }
  for (double& v : kernel) v /= total;

  const std::int64_t height = images.dim(2), width = images.dim(3);
  const std::int64_t planes = images.dim(0) * images.dim(1);
  Tensor out(images.shape());
  std::vector<double> rows(static_cast<std::size_t>(height * width));
  for (std::int64_t p = 0; p < planes; ++p) {
    const float* in = images.data() + p * height * width;
    for (std::int64_t y = 0; y < height; ++y)
      for (std::int64_t x = 0; x < width; ++x) {
        double s = 0.0;
        for (std::int64_t k = -radius; k <= radius; ++k)
          s += kernel[static_cast<std::size_t>(k + radius)] *
               in[y * width + std::clamp(x + k, std::int64_t{0}, width - 1)];
        rows[static_cast<std::size_t>(y * width + x)] = s;
      }
    float* dst = out.data() + p * height * width;
    for (std::int64_t y = 0; y < height; ++y)
      for (std::int64_t x = 0; x < width; ++x) {
        double s = 0.0;
        for (std::int64_t k = -radius; k <= radius; ++k)
          s += kernel[static_cast<std::size_t>(k + radius)] *
               rows[static_cast<std::size_t>(
                   std::clamp(y + k, std::int64_t{0}, height - 1) * width + x)];
        dst[y * width + x] = static_cast<float>(s);
      }
  }
  return out;
}

double total_variation(const float* mask, std::int64_t h, std::int64_t w, double beta,
                       double weight, double* gradient) {
  const double cells = static_cast<double>(h * w);
  double tv = 0.0;
  // One neighbour pair (a, b): |m_a - m_b|^beta and its derivative beta |d|^(beta-1) sign(d).
  const auto pair = [&](std::int64_t a, std::int64_t b) {
    const double d = static_cast<double>(mask[a]) - static_cast<double>(mask[b]);
    const double ad = std::fabs(d);
    tv += std::pow(ad, beta);
    if (gradient != nullptr && ad > 0.0) {
      const double g = weight * beta * std::pow(ad, beta - 1.0) * (d > 0.0 ? 1.0 : -1.0) / cells;
      gradient[a] += g;
      gradient[b] -= g;
    }
  };
  for (std::int64_t y = 0; y < h; ++y)
    for (std::int64_t x = 0; x < w; ++x) {
      if (x + 1 < w) pair(y * w + x + 1, y * w + x);
      if (y + 1 < h) pair((y + 1) * w + x, y * w + x);
    }
  return tv / cells;
}

}  // namespace lumen::meaningful_perturbation
