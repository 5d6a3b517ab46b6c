#include "gaussian_blur.hpp"

#include <cmath>
#include <lumen/error.hpp>
#include <string>
#include <vector>

namespace lumen::group_cam {

namespace {

// Index i mirrored into [0, n) without repeating the edge: ... 2 1 | 0 1 2 ... n-1 | n-2 ...
std::int64_t reflect(std::int64_t i, std::int64_t n) {
  if (n == 1) return 0;
  const std::int64_t period = 2 * (n - 1);
  i = std::abs(i) % period;
  return i < n ? i : period - i;
}

// One pass along an axis: `count` lines of `length` values, consecutive values `step` apart and
// consecutive lines `line_step` apart (within a plane), for every plane.
void blur_axis(const float* in, float* out, std::int64_t planes, std::int64_t plane,
               std::int64_t lines, std::int64_t line_step, std::int64_t length, std::int64_t step,
               const std::vector<double>& weights) {
  const auto half = static_cast<std::int64_t>(weights.size() / 2);
  for (std::int64_t q = 0; q < planes; ++q)
    for (std::int64_t l = 0; l < lines; ++l) {
      const float* src = in + q * plane + l * line_step;
      float* dst = out + q * plane + l * line_step;
      for (std::int64_t o = 0; o < length; ++o) {
        double total = 0.0;
        for (std::int64_t t = -half; t <= half; ++t)
          total += weights[static_cast<std::size_t>(t + half)] * src[reflect(o + t, length) * step];
        dst[o * step] = static_cast<float>(total);
      }
    }
}

}  // namespace

Tensor gaussian_blur(const Tensor& images, std::int64_t kernel, double sigma) {
  if (images.rank() != 4) {
    throw ShapeError("group-cam blur: images must be [N,C,H,W], got " + to_string(images.shape()));
  }
  if (kernel < 1 || kernel % 2 == 0) {
    throw InvalidArgument("group-cam: blur_kernel must be a positive odd size, got " +
                          std::to_string(kernel));
  }
  if (!(sigma > 0.0)) {
    throw InvalidArgument("group-cam: blur_sigma must be positive, got " + std::to_string(sigma));
  }
  std::vector<double> weights(static_cast<std::size_t>(kernel));
  double total = 0.0;
  for (std::int64_t t = 0; t < kernel; ++t) {
    const double d = static_cast<double>(t - kernel / 2);
    weights[static_cast<std::size_t>(t)] = std::exp(-d * d / (2.0 * sigma * sigma));
    total += weights[static_cast<std::size_t>(t)];
  }
  for (double& w : weights) w /= total;
  const std::int64_t h = images.dim(2), w = images.dim(3), plane = h * w;
  const std::int64_t planes = images.dim(0) * images.dim(1);
  Tensor rows(images.shape());
  blur_axis(images.data(), rows.data(), planes, plane, h, w, w, 1, weights);
  Tensor out(images.shape());
  blur_axis(rows.data(), out.data(), planes, plane, w, 1, h, w, weights);
  return out;
}

}  // namespace lumen::group_cam
