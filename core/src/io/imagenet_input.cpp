// torchvision's ImageNet evaluation transform, Resize(R) + CenterCrop(S) + ToTensor + Normalize on
// a PIL image, reproduced so that a model trained with it sees the same pixels here. The resize is
// Pillow's: a separable bilinear (triangle) filter whose support widens with the downscaling factor
// (antialiasing), applied in 8-bit fixed point, horizontal pass first, each pass rounded to 8 bits
// (Pillow's libImaging/Resample.c, PRECISION_BITS = 22).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "lumen/error.hpp"
#include "lumen/io.hpp"

namespace lumen {
namespace {

constexpr int precision_bits = 32 - 8 - 2;

// Pillow's coefficients of one output pixel: the first input pixel and fixed-point weights.
struct Taps {
  std::int64_t first = 0;
  std::vector<std::int32_t> weights;
};

std::vector<Taps> bilinear_taps(std::int64_t in_size, std::int64_t out_size) {
  const double scale = static_cast<double>(in_size) / static_cast<double>(out_size);
  const double filter_scale = std::max(scale, 1.0);
  const double support = 1.0 * filter_scale;  // the bilinear filter's support is 1
  const double inverse = 1.0 / filter_scale;  // multiplied, not divided, as Pillow does
  std::vector<Taps> taps(static_cast<std::size_t>(out_size));
  for (std::int64_t x = 0; x < out_size; ++x) {
    const double center = (static_cast<double>(x) + 0.5) * scale;
    // Pillow truncates towards zero here, as a C cast does.
    const auto first = std::max<std::int64_t>(0, static_cast<std::int64_t>(center - support + 0.5));
    const auto last =
        std::min<std::int64_t>(in_size, static_cast<std::int64_t>(center + support + 0.5));
    std::vector<double> k;
    double total = 0.0;
    for (std::int64_t i = first; i < last; ++i) {
      const double t = std::fabs((static_cast<double>(i) - center + 0.5) * inverse);
      k.push_back(t < 1.0 ? 1.0 - t : 0.0);
      total += k.back();
    }
    Taps& out = taps[static_cast<std::size_t>(x)];
    out.first = first;
    for (double w : k) {
      const double scaled = (total != 0.0 ? w / total : w) * (1 << precision_bits);
      out.weights.push_back(static_cast<std::int32_t>(scaled < 0.0 ? scaled - 0.5 : scaled + 0.5));
    }
  }
  return taps;
}

std::uint8_t clip8(std::int64_t value) {
  if (value >= (std::int64_t{1} << precision_bits << 8)) return 255;
  if (value <= 0) return 0;
  return static_cast<std::uint8_t>(value >> precision_bits);
}

// One plane of 8-bit levels [h][w] resized along rows (horizontal) or columns.
std::vector<std::uint8_t> resample(const std::vector<std::uint8_t>& in, std::int64_t h,
                                   std::int64_t w, std::int64_t out_size, bool horizontal) {
  const auto taps = bilinear_taps(horizontal ? w : h, out_size);
  const std::int64_t out_h = horizontal ? h : out_size, out_w = horizontal ? out_size : w;
  std::vector<std::uint8_t> out(static_cast<std::size_t>(out_h * out_w));
  for (std::int64_t y = 0; y < out_h; ++y) {
    for (std::int64_t x = 0; x < out_w; ++x) {
      const Taps& t = taps[static_cast<std::size_t>(horizontal ? x : y)];
      std::int64_t sum = std::int64_t{1} << (precision_bits - 1);
      for (std::size_t k = 0; k < t.weights.size(); ++k) {
        const std::int64_t i = t.first + static_cast<std::int64_t>(k);
        sum += static_cast<std::int64_t>(
                   in[static_cast<std::size_t>(horizontal ? y * w + i : i * w + x)]) *
               t.weights[k];
      }
      out[static_cast<std::size_t>(y * out_w + x)] = clip8(sum);
    }
  }
  return out;
}

}  // namespace

Tensor imagenet_resize_crop(const Tensor& image, const InputSpec& spec) {
  if (image.rank() != 4) {
    throw ShapeError("the ImageNet preprocessing needs an [N,C,H,W] image, got " +
                     to_string(image.shape()));
  }
  const Shape& sample = spec.sample_shape;
  if (sample.size() != 3 || sample[1] != sample[2]) {
    throw InvalidArgument("the ImageNet preprocessing crops a square; the model takes " +
                          to_string(sample) + " [C,H,W]");
  }
  const std::int64_t crop = sample[1];
  // torchvision's reference: Resize(256) before CenterCrop(224), the same ratio for other sizes
  // (Inception-v3: 342 and 299).
  const auto resize = static_cast<std::int64_t>(std::lround(static_cast<double>(crop) / 0.875));
  const std::int64_t n = image.dim(0), c = image.dim(1), h = image.dim(2), w = image.dim(3);
  // Resize(size) scales the shorter side to size and the longer one to int(size * long / short).
  const bool wide = w >= h;
  const std::int64_t out_h = wide ? resize : resize * h / w;
  const std::int64_t out_w = wide ? resize * w / h : resize;
  // CenterCrop: int(round((size - crop) / 2)), Python's round (half to even).
  const auto top = static_cast<std::int64_t>(std::nearbyint((out_h - crop) / 2.0));
  const auto left = static_cast<std::int64_t>(std::nearbyint((out_w - crop) / 2.0));
  Tensor cropped({n, c, crop, crop});
  for (std::int64_t p = 0; p < n * c; ++p) {
    std::vector<std::uint8_t> plane(static_cast<std::size_t>(h * w));
    const float* in = image.data() + p * h * w;
    for (std::int64_t i = 0; i < h * w; ++i) {
      const float level = std::nearbyint(std::clamp(in[i], 0.0F, 1.0F) * 255.0F);
      plane[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(level);
    }
    // Pillow skips a pass whose size does not change.
    if (out_w != w) plane = resample(plane, h, w, out_w, true);
    if (out_h != h) plane = resample(plane, h, out_w, out_h, false);
    float* dst = cropped.data() + p * crop * crop;
    for (std::int64_t y = 0; y < crop; ++y) {
      for (std::int64_t x = 0; x < crop; ++x) {
        dst[y * crop + x] =
            static_cast<float>(plane[static_cast<std::size_t>((y + top) * out_w + x + left)]) /
            255.0F;
      }
    }
  }
  return cropped;
}

Tensor prepare_imagenet_input(const Tensor& image, const InputSpec& spec,
                              const std::vector<float>& mean_override,
                              const std::vector<float>& std_override) {
  const bool three = spec.sample_shape.size() == 3 && spec.sample_shape[0] == 3;
  return prepare_input(imagenet_resize_crop(image, spec), spec,
                       !mean_override.empty() ? mean_override
                       : three                ? imagenet_mean
                                              : spec.mean,
                       !std_override.empty() ? std_override
                       : three               ? imagenet_std
                                             : spec.std);
}

}  // namespace lumen
