#include <algorithm>
#include <cmath>
#include <span>

#include "io/png.hpp"
#include "lumen/detail/map_math.hpp"
#include "lumen/error.hpp"
#include "lumen/io.hpp"
#include "lumen/output_dir.hpp"
#include "lumen/resample.hpp"

namespace lumen {
namespace {

// Evenly spaced control points, interpolated linearly in RGB. Luminance is linear in RGB, so
// it is monotonic between control points whenever it is monotonic across them.
constexpr Rgb sequential_points[] = {
    {0.02F, 0.02F, 0.10F},  // near-black
    {0.22F, 0.08F, 0.45F},  // violet
    {0.62F, 0.16F, 0.50F},  // magenta
    {0.93F, 0.40F, 0.22F},  // red-orange
    {0.99F, 0.75F, 0.30F},  // amber
    {1.00F, 0.98F, 0.75F},  // pale yellow
};
constexpr Rgb diverging_points[] = {
    {0.09F, 0.22F, 0.60F},  // -1: dark blue
    {0.45F, 0.62F, 0.90F},  // -0.5: light blue
    {1.00F, 1.00F, 1.00F},  //  0: white
    {0.94F, 0.55F, 0.45F},  // +0.5: light red
    {0.65F, 0.05F, 0.10F},  // +1: dark red
};

// `t` in [0,1] along the control points.
Rgb interpolate(std::span<const Rgb> points, float t) {
  const float x =
      std::clamp(std::isnan(t) ? 0.0F : t, 0.0F, 1.0F) * static_cast<float>(points.size() - 1);
  const auto i = std::min(static_cast<std::size_t>(x), points.size() - 2);
  const float f = x - static_cast<float>(i);
  Rgb c{};
  for (std::size_t k = 0; k < 3; ++k) c[k] = points[i][k] + f * (points[i + 1][k] - points[i][k]);
  return c;
}

Tensor grey_background(const Tensor& background, std::int64_t height, std::int64_t width) {
  if (background.rank() != 3 || (background.dim(0) != 1 && background.dim(0) != 3)) {
    throw ShapeError("heatmap background must be [C,H,W] with C = 1 or 3, got " +
                     to_string(background.shape()));
  }
  Tensor grey({1, 1, background.dim(1), background.dim(2)});
  detail::mean_of_maps(background.values(), grey.values());
  return upsample_bilinear(grey, height, width);
}

}  // namespace

Rgb sequential_colour(float value) { return interpolate(sequential_points, value); }

Rgb diverging_colour(float value) { return interpolate(diverging_points, (value + 1.0F) / 2.0F); }

Tensor display_map(const Tensor& attribution_sample, bool signed_map, ChannelReduction reduction) {
  const Tensor& a = attribution_sample;
  if (a.rank() != 3 || a.dim(0) < 1) {
    throw ShapeError("display_map needs one sample's attribution [C,H,W], got " +
                     to_string(a.shape()));
  }
  if (!all_finite(a)) throw InvalidArgument("display_map: the attribution has non-finite values");
  const std::int64_t channels = a.dim(0), plane = a.dim(1) * a.dim(2);
  const bool sum = reduction == ChannelReduction::sum ||
                   (reduction == ChannelReduction::automatic && signed_map);
  Tensor out({a.dim(1), a.dim(2)});
  for (std::int64_t p = 0; p < plane; ++p) {
    float v = a[p];
    for (std::int64_t c = 1; c < channels; ++c) {
      v = sum ? v + a[c * plane + p] : std::max(v, a[c * plane + p]);
    }
    out[p] = v;
  }
  if (plane == 0) return out;
  const auto values = out.values();
  if (signed_map) {
    float largest = 0.0F;
    for (float v : values) largest = std::max(largest, std::abs(v));
    if (largest > 0.0F && std::isfinite(largest)) {
      for (float& v : values) v /= largest;
    } else {
      std::fill(values.begin(), values.end(), 0.0F);
    }
  } else {
    detail::scale_to_unit(values);
  }
  return out;
}

std::string encode_heatmap_png(const Tensor& display, bool signed_map, const Tensor* background,
                               float alpha) {
  if (display.rank() != 2) {
    throw ShapeError("cannot encode a heatmap: the display map must be [H,W], got " +
                     to_string(display.shape()));
  }
  if (!(alpha >= 0.0F && alpha <= 1.0F)) {
    throw InvalidArgument("heatmap alpha " + std::to_string(alpha) + " is not in [0,1]");
  }
  const std::int64_t height = display.dim(0), width = display.dim(1), plane = height * width;
  Tensor grey;
  if (background) grey = grey_background(*background, height, width);
  std::vector<unsigned char> pixels(static_cast<std::size_t>(plane * 3));
  for (std::int64_t p = 0; p < plane; ++p) {
    const Rgb colour = signed_map ? diverging_colour(display[p]) : sequential_colour(display[p]);
    for (std::size_t k = 0; k < 3; ++k) {
      const float v = background ? alpha * colour[k] + (1.0F - alpha) * grey[p] : colour[k];
      pixels[static_cast<std::size_t>(p) * 3 + k] = io_detail::to_byte(v);
    }
  }
  return io_detail::encode_png(width, height, 3, pixels);
}

void write_heatmap_png(const std::filesystem::path& path, const Tensor& display, bool signed_map,
                       const Tensor* background, float alpha) {
  write_file(path, encode_heatmap_png(display, signed_map, background, alpha));
}

}  // namespace lumen
