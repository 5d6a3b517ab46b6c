#include <algorithm>
#include <cmath>
#include <sstream>

#include "lumen/error.hpp"
#include "lumen/io.hpp"
#include "lumen/resample.hpp"

namespace lumen {
namespace {

Tensor convert_channels(const Tensor& image, std::int64_t channels) {
  const std::int64_t n = image.dim(0), have = image.dim(1), plane = image.dim(2) * image.dim(3);
  if (have == channels) return image;
  Tensor out({n, channels, image.dim(2), image.dim(3)});
  for (std::int64_t s = 0; s < n; ++s) {
    const float* in = image.data() + s * have * plane;
    float* dst = out.data() + s * channels * plane;
    if (have == 1) {
      for (std::int64_t c = 0; c < channels; ++c) std::copy(in, in + plane, dst + c * plane);
    } else if (have == 3 && channels == 1) {
      for (std::int64_t p = 0; p < plane; ++p) {
        dst[p] = (in[p] + in[plane + p] + in[2 * plane + p]) / 3.0F;
      }
    } else {
      throw InvalidArgument("cannot convert an image with " + std::to_string(have) +
                            " channels to the model's " + std::to_string(channels) +
                            " (supported: 1 -> any by replication, 3 -> 1 by the mean)");
    }
  }
  return out;
}

std::string list(const std::vector<float>& v) {
  std::ostringstream s;
  for (std::size_t i = 0; i < v.size(); ++i) s << (i ? "," : "") << v[i];
  return s.str();
}

}  // namespace

Tensor prepare_input(const Tensor& image, const InputSpec& spec,
                     const std::vector<float>& mean_override,
                     const std::vector<float>& std_override) {
  if (image.rank() != 4) {
    throw ShapeError("prepare_input needs an [N,C,H,W] image, got " + to_string(image.shape()));
  }
  if (spec.sample_shape.size() != 3) {
    throw InvalidArgument("prepare_input: the model's input shape " + to_string(spec.sample_shape) +
                          " is not [C,H,W]");
  }
  const std::int64_t channels = spec.sample_shape[0];
  const auto& mean = mean_override.empty() ? spec.mean : mean_override;
  const auto& stdev = std_override.empty() ? spec.std : std_override;
  for (const auto* values : {&mean, &stdev}) {
    if (!values->empty() && static_cast<std::int64_t>(values->size()) != channels) {
      throw InvalidArgument(std::string(values == &mean ? "mean" : "std") + " (" + list(*values) +
                            ") has " + std::to_string(values->size()) +
                            " values but the model's input has " + std::to_string(channels) +
                            " channels");
    }
  }
  for (float s : stdev) {
    if (!(s > 0.0F) || !std::isfinite(s)) {
      throw InvalidArgument("std (" + list(stdev) + ") must be positive and finite");
    }
  }
  for (float m : mean) {
    if (!std::isfinite(m)) throw InvalidArgument("mean (" + list(mean) + ") must be finite");
  }

  Tensor out = upsample_bilinear(convert_channels(image, channels), spec.sample_shape[1],
                                 spec.sample_shape[2]);
  out = standardise(InputSpec{spec.sample_shape, mean, stdev}, std::move(out));
  // Finite values can overflow here (3e38 with std 0.06): an infinite input would be explained
  // as an all-zero map without a word.
  const std::int64_t per_sample = out.size() / out.dim(0);
  for (std::int64_t i = 0; i < out.size(); ++i) {
    if (!std::isfinite(out[i])) {
      const auto [low, high] = std::minmax_element(image.values().begin(), image.values().end());
      std::ostringstream range;
      range << *low << " to " << *high;
      throw InvalidArgument("input sample " + std::to_string(i / per_sample) + ", element " +
                            std::to_string(i % per_sample) +
                            " is not finite after resizing and normalisation (mean " +
                            (mean.empty() ? std::string("0") : list(mean)) + ", std " +
                            (stdev.empty() ? std::string("1") : list(stdev)) +
                            "): the input's values run from " + range.str());
    }
  }
  return out;
}

}  // namespace lumen
