#include "baseline.hpp"

#include <algorithm>
#include <cmath>
#include <lumen/error.hpp>
#include <lumen/io.hpp>

namespace lumen::ig {

namespace {

std::vector<double> gaussian_kernel(double sigma) {
  const int radius = static_cast<int>(std::ceil(3.0 * sigma));
  std::vector<double> k(2 * static_cast<std::size_t>(radius) + 1);
  double total = 0.0;
  for (int i = -radius; i <= radius; ++i) {
    const double v = std::exp(-0.5 * i * i / (sigma * sigma));
    k[static_cast<std::size_t>(i + radius)] = v;
    total += v;
  }
  for (double& v : k) v /= total;
  return k;
}

// One 1-D pass over every line of length `length` spaced `stride` apart within a plane.
void blur_lines(const float* in, float* out, std::int64_t lines, std::int64_t line_step,
                std::int64_t length, std::int64_t stride, const std::vector<double>& kernel) {
  const auto radius = static_cast<std::int64_t>(kernel.size() / 2);
  for (std::int64_t l = 0; l < lines; ++l) {
    const float* src = in + l * line_step;
    float* dst = out + l * line_step;
    for (std::int64_t i = 0; i < length; ++i) {
      double acc = 0.0;
      for (std::int64_t t = -radius; t <= radius; ++t) {
        const std::int64_t j = std::clamp<std::int64_t>(i + t, 0, length - 1);
        acc += kernel[static_cast<std::size_t>(t + radius)] * src[j * stride];
      }
      dst[i * stride] = static_cast<float>(acc);
    }
  }
}

Tensor from_file(const std::string& file, const Tensor& input) {
  if (file.empty()) {
    throw InvalidArgument("integrated-gradients: baseline=npy needs baseline_file=PATH.npy");
  }
  const Tensor b = read_npy(file);
  const Shape& s = input.shape();
  const Shape sample{s[1], s[2], s[3]};
  const bool one = b.shape() == sample || b.shape() == Shape{1, s[1], s[2], s[3]};
  if (b.shape() == s) return b;
  if (!one) {
    throw ShapeError("integrated-gradients: baseline_file '" + file + "' has shape " +
                     to_string(b.shape()) + "; expected " + to_string(sample) + ", " +
                     to_string(Shape{1, s[1], s[2], s[3]}) + " or the batch's " + to_string(s));
  }
  Tensor out(s);
  const std::int64_t per = b.size();
  for (std::int64_t n = 0; n < s[0]; ++n) std::copy_n(b.data(), per, out.data() + n * per);
  return out;
}

}  // namespace

Tensor gaussian_blur(const Tensor& x, double sigma) {
  if (sigma <= 0.0) return x;
  const auto kernel = gaussian_kernel(sigma);
  const std::int64_t planes = x.dim(0) * x.dim(1), h = x.dim(2), w = x.dim(3);
  Tensor rows(x.shape()), out(x.shape());
  blur_lines(x.data(), rows.data(), planes * h, w, w, 1, kernel);
  for (std::int64_t p = 0; p < planes; ++p) {
    blur_lines(rows.data() + p * h * w, out.data() + p * h * w, w, 1, h, w, kernel);
  }
  return out;
}

Tensor make_baselines(const Params& params, const Tensor& input, const Context& context) {
  const std::string& kind = params.text("baseline");
  const std::string& file = params.text("baseline_file");
  if (kind != "npy" && !file.empty()) {
    throw InvalidArgument(
        "integrated-gradients: baseline_file is only read with baseline=npy (got "
        "baseline=" +
        kind + ")");
  }
  if (kind == "zeros") return Tensor(input.shape());
  if (kind == "constant")
    return Tensor(input.shape(), static_cast<float>(params.real("baseline_value")));
  if (kind == "blur") return gaussian_blur(input, params.real("baseline_sigma"));
  if (kind == "npy") return from_file(file, input);
  if (kind != "uniform")
    throw InvalidArgument("integrated-gradients: unknown baseline '" + kind + "'");
  // Uniform in [min x, max x] of each sample, from one stream shared by all samples so that a
  // sample's baseline does not depend on its position in the batch.
  Tensor out(input.shape());
  const std::int64_t per = input.size() / input.dim(0);
  for (std::int64_t n = 0; n < input.dim(0); ++n) {
    const float* x = input.data() + n * per;
    const auto [lo, hi] = std::minmax_element(x, x + per);
    auto rng = context.rng(0, uniform_stream);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    for (std::int64_t i = 0; i < per; ++i) {
      out[n * per + i] = static_cast<float>(*lo + (*hi - *lo) * u(rng));
    }
  }
  return out;
}

}  // namespace lumen::ig
