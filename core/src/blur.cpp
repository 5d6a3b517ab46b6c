#include "lumen/blur.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "lumen/error.hpp"

namespace lumen {
namespace {

std::vector<double> gaussian_weights(double sigma, std::int64_t size) {
  std::vector<double> weights(static_cast<std::size_t>(size));
  double total = 0.0;
  for (std::int64_t t = 0; t < size; ++t) {
    const auto d = static_cast<double>(t - size / 2);
    weights[static_cast<std::size_t>(t)] = std::exp(-d * d / (2.0 * sigma * sigma));
    total += weights[static_cast<std::size_t>(t)];
  }
  for (double& w : weights) w /= total;
  return weights;
}

std::string as_text(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return text;
}

// Index i mapped into [0, n) by the border rule.
std::int64_t border_index(std::int64_t i, std::int64_t n, BlurBorder border) {
  if (border == BlurBorder::replicate) return std::clamp<std::int64_t>(i, 0, n - 1);
  if (n == 1) return 0;
  const std::int64_t period = 2 * (n - 1);
  i = std::abs(i) % period;
  return i < n ? i : period - i;
}

// One pass along an axis of every plane: `lines` lines of `length` values, consecutive values
// `step` apart and consecutive lines `line_step` apart within a plane of `plane` values.
void blur_axis(const float* in, float* out, std::int64_t planes, std::int64_t plane,
               std::int64_t lines, std::int64_t line_step, std::int64_t length, std::int64_t step,
               const std::vector<double>& weights, BlurBorder border) {
  const auto half = static_cast<std::int64_t>(weights.size() / 2);
  for (std::int64_t q = 0; q < planes; ++q)
    for (std::int64_t l = 0; l < lines; ++l) {
      const float* src = in + q * plane + l * line_step;
      float* dst = out + q * plane + l * line_step;
      for (std::int64_t o = 0; o < length; ++o) {
        double total = 0.0;
        for (std::int64_t t = -half; t <= half; ++t)
          total += weights[static_cast<std::size_t>(t + half)] *
                   src[border_index(o + t, length, border) * step];
        dst[o * step] = static_cast<float>(total);
      }
    }
}

}  // namespace

Tensor gaussian_blur(const Tensor& images, double sigma, std::int64_t kernel_size,
                     BlurBorder border) {
  if (images.rank() != 4) {
    throw ShapeError("gaussian_blur needs [N,C,H,W] images, got " + to_string(images.shape()));
  }
  if (!(sigma > 0.0) || !std::isfinite(sigma)) {
    throw InvalidArgument("gaussian_blur: sigma must be positive and finite, got " +
                          as_text(sigma));
  }
  if (kernel_size < 0 || (kernel_size > 0 && kernel_size % 2 == 0)) {
    throw InvalidArgument(
        "gaussian_blur: kernel_size must be 0 (automatic) or a positive odd "
        "size, got " +
        std::to_string(kernel_size));
  }
  if (kernel_size == 0) {
    if (3.0 * sigma > 1e6) {
      throw InvalidArgument("gaussian_blur: sigma " + as_text(sigma) +
                            " needs a kernel wider than 2e6 pixels; pass kernel_size");
    }
    kernel_size = 2 * static_cast<std::int64_t>(std::ceil(3.0 * sigma)) + 1;
  }
  const auto weights = gaussian_weights(sigma, kernel_size);
  const std::int64_t h = images.dim(2), w = images.dim(3), plane = h * w;
  const std::int64_t planes = images.dim(0) * images.dim(1);
  Tensor rows(images.shape());
  blur_axis(images.data(), rows.data(), planes, plane, h, w, w, 1, weights, border);
  Tensor out(images.shape());
  blur_axis(rows.data(), out.data(), planes, plane, w, 1, h, w, weights, border);
  return out;
}

}  // namespace lumen
