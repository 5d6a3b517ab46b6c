#include "kernel_calls.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <iterator>
#include <memory>
#include <random>
#include <utility>

#include "backend_battery.hpp"
#include "check_support.hpp"

namespace lumen::conformance::detail {

namespace {

using I = std::int64_t;
using Shared = std::shared_ptr<const Buffer>;

Shared shared_values(I count, std::uint64_t seed) {
  return std::make_shared<const Buffer>(random_values(count, seed));
}

// The argmax a max pooling of x records: per output, the first largest input tap of its window.
std::vector<std::int32_t> winners(const Pool2dGeometry& g, const Buffer& x) {
  std::vector<std::int32_t> argmax;
  for (I plane = 0; plane < g.batch * g.channels; ++plane) {
    const float* xp = x.data() + plane * g.in_h * g.in_w;
    for (I oh = 0; oh < g.out_h; ++oh) {
      for (I ow = 0; ow < g.out_w; ++ow) {
        I best = -1;
        for (I kh = 0; kh < g.kernel_h; ++kh) {
          for (I kw = 0; kw < g.kernel_w; ++kw) {
            const I h = oh * g.stride_h - g.pad_top + kh * g.dilation_h;
            const I w = ow * g.stride_w - g.pad_left + kw * g.dilation_w;
            if (h < 0 || h >= g.in_h || w < 0 || w >= g.in_w) continue;
            if (best < 0 || xp[h * g.in_w + w] > xp[best]) best = h * g.in_w + w;
          }
        }
        argmax.push_back(static_cast<std::int32_t>(best));
      }
    }
  }
  return argmax;
}

// A gemm on g; C holds NaN when beta is 0 (it must then be ignored), values otherwise.
KernelCall gemm_call(const GemmCase& g, std::uint64_t& seed) {
  const Shared a = shared_values((g.transpose_a ? g.k : g.m) * g.lda, ++seed);
  const Shared b = shared_values((g.transpose_b ? g.n : g.k) * g.ldb, ++seed);
  const Shared c = std::make_shared<const Buffer>(
      g.beta == 0.0F ? nans(g.m * g.ldc) : random_values(g.m * g.ldc, ++seed));
  return {describe(g), [=](const Backend& backend) {
            KernelOutputs out{{*c}, {}};
            backend.gemm(g.transpose_a, g.transpose_b, g.m, g.n, g.k, g.alpha, a->data(), g.lda,
                         b->data(), g.ldb, g.beta, out.values[0].data(), g.ldc);
            return out;
          }};
}

// A call of a convolution kernel on g, with seeded inputs for just what the kernel reads.
KernelCall conv_call(Kernel kernel, const Conv2dGeometry& g, std::uint64_t& seed) {
  const Shared w = shared_values(weight_size(g), ++seed);
  if (kernel == Kernel::conv2d_forward) {
    const Shared x = shared_values(input_size(g), ++seed);
    const Shared bias = shared_values(g.out_channels, ++seed);
    return {describe(g), [=](const Backend& backend) {
              KernelOutputs out{{nans(output_size(g))}, {}};
              backend.conv2d_forward(g, x->data(), w->data(), bias->data(), out.values[0].data());
              return out;
            }};
  }
  const Shared dy = shared_values(output_size(g), ++seed);
  if (kernel == Kernel::conv2d_backward_data) {
    return {describe(g), [=](const Backend& backend) {
              KernelOutputs out{{nans(input_size(g))}, {}};
              backend.conv2d_backward_data(g, dy->data(), w->data(), out.values[0].data());
              return out;
            }};
  }
  const Shared x = shared_values(input_size(g), ++seed);
  return {describe(g), [=](const Backend& backend) {
            KernelOutputs out{{nans(weight_size(g)), nans(g.out_channels)}, {}};
            backend.conv2d_backward_weights(g, x->data(), dy->data(), out.values[0].data(),
                                            out.values[1].data());
            return out;
          }};
}

// A call of a pooling kernel on g, with seeded inputs for just what the kernel reads.
KernelCall pool_call(Kernel kernel, const Pool2dGeometry& g, std::uint64_t& seed) {
  if (kernel == Kernel::max_pool2d_backward) {
    const Shared dy = shared_values(output_size(g), ++seed);
    const auto argmax = std::make_shared<const std::vector<std::int32_t>>(
        winners(g, random_values(input_size(g), ++seed)));
    return {describe(g), [=](const Backend& backend) {
              KernelOutputs out{{nans(input_size(g))}, {}};
              backend.max_pool2d_backward(g, dy->data(), argmax->data(), out.values[0].data());
              return out;
            }};
  }
  if (kernel == Kernel::avg_pool2d_backward) {
    const Shared dy = shared_values(output_size(g), ++seed);
    return {describe(g), [=](const Backend& backend) {
              KernelOutputs out{{nans(input_size(g))}, {}};
              backend.avg_pool2d_backward(g, dy->data(), out.values[0].data());
              return out;
            }};
  }
  const Shared x = shared_values(input_size(g), ++seed);
  if (kernel == Kernel::max_pool2d_forward) {
    return {
        describe(g), [=](const Backend& backend) {
          KernelOutputs out{{nans(output_size(g))}, std::vector<std::int32_t>(output_size(g), -7)};
          backend.max_pool2d_forward(g, x->data(), out.values[0].data(), out.indices.data());
          return out;
        }};
  }
  return {describe(g), [=](const Backend& backend) {
            KernelOutputs out{{nans(output_size(g))}, {}};
            backend.avg_pool2d_forward(g, x->data(), out.values[0].data());
            return out;
          }};
}

}  // namespace

Buffer random_values(I count, std::uint64_t seed, float shift) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> uniform(-1.0F, 1.0F);
  Buffer values(static_cast<std::size_t>(count));
  for (float& v : values) v = uniform(rng) + shift;
  return values;
}

Buffer nans(I count) { return Buffer(static_cast<std::size_t>(count), std::nanf("")); }

I input_size(const Conv2dGeometry& g) { return g.batch * g.in_channels * g.in_h * g.in_w; }
I output_size(const Conv2dGeometry& g) { return g.batch * g.out_channels * g.out_h * g.out_w; }
I weight_size(const Conv2dGeometry& g) {
  return g.out_channels * (g.in_channels / g.groups) * g.kernel_h * g.kernel_w;
}
I input_size(const Pool2dGeometry& g) { return g.batch * g.channels * g.in_h * g.in_w; }
I output_size(const Pool2dGeometry& g) { return g.batch * g.channels * g.out_h * g.out_w; }

bool same_bits(const KernelOutputs& a, const KernelOutputs& b) {
  if (a.indices != b.indices || a.values.size() != b.values.size()) return false;
  for (std::size_t i = 0; i < a.values.size(); ++i) {
    if (a.values[i].size() != b.values[i].size() ||
        std::memcmp(a.values[i].data(), b.values[i].data(), a.values[i].size() * sizeof(float)) !=
            0) {
      return false;
    }
  }
  return true;
}

std::string bit_difference(const KernelOutputs& a, const KernelOutputs& b) {
  std::size_t differing = 0, total = 0;
  double worst = 0.0;
  for (std::size_t i = 0; i < std::min(a.values.size(), b.values.size()); ++i) {
    const std::size_t n = std::min(a.values[i].size(), b.values[i].size());
    total += n;
    for (std::size_t j = 0; j < n; ++j) {
      const float x = a.values[i][j], y = b.values[i][j];
      if (std::memcmp(&x, &y, sizeof x) == 0) continue;
      ++differing;
      const double d = std::abs(static_cast<double>(x) - y);
      worst = std::isnan(d) ? d : std::max(worst, d);
    }
  }
  std::string text = std::to_string(differing) + " of " + std::to_string(total) +
                     " values differ (max |\u0394| " + number(worst) + ")";
  if (a.indices != b.indices) text += "; the argmax indices differ";
  return text;
}

std::vector<KernelCall> large_kernel_calls(Kernel kernel, std::uint64_t seed) {
  std::vector<KernelCall> calls;
  switch (kernel) {
    case Kernel::gemm:
      for (const auto& g : large_gemm_cases()) calls.push_back(gemm_call(g, seed));
      return calls;
    case Kernel::conv2d_forward:
    case Kernel::conv2d_backward_data:
    case Kernel::conv2d_backward_weights:
      for (const auto& g : large_conv_cases()) calls.push_back(conv_call(kernel, g, seed));
      return calls;
    case Kernel::max_pool2d_forward:
    case Kernel::max_pool2d_backward:
      for (const auto& g : large_pool_cases(false)) calls.push_back(pool_call(kernel, g, seed));
      return calls;
    case Kernel::avg_pool2d_forward:
    case Kernel::avg_pool2d_backward:
      for (bool count_include_pad : {false, true}) {
        for (const auto& g : large_pool_cases(count_include_pad)) {
          calls.push_back(pool_call(kernel, g, seed));
        }
      }
      return calls;
  }
  return calls;
}

std::vector<KernelCall> distinct_kernel_calls(Kernel kernel, int count) {
  std::vector<KernelCall> calls;
  // Each round of cases draws a few seeds per case; 1000 apart, no two rounds share one.
  for (std::uint64_t round = 1; std::ssize(calls) < count; ++round) {
    for (KernelCall& call : large_kernel_calls(kernel, 900 + 1000 * round)) {
      if (std::ssize(calls) < count) calls.push_back(std::move(call));
    }
  }
  return calls;
}

}  // namespace lumen::conformance::detail
