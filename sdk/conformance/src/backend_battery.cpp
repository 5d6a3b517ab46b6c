#include "backend_battery.hpp"

#include <array>
#include <sstream>
#include <utility>

namespace lumen::conformance::detail {

namespace {

using I = std::int64_t;

struct Padding {
  I top, left, bottom, right;
};
struct Grouping {
  I groups, in_channels, out_channels;
};

// Output size by the floor rule; 0 when the dilated kernel does not fit the padded input.
I floor_output(I in, I pad_before, I pad_after, I kernel, I stride, I dilation) {
  const I span = in + pad_before + pad_after - dilation * (kernel - 1) - 1;
  return span < 0 ? 0 : span / stride + 1;
}

// ONNX/PyTorch ceil_mode: one more window where the floor rule drops a partial one, as long as
// that window starts inside the input or its leading padding.
I ceil_output(I in, I pad, I kernel, I stride, I dilation) {
  const I span = in + 2 * pad - dilation * (kernel - 1) - 1;
  if (span < 0) return 0;
  I out = (span + stride - 1) / stride + 1;
  if ((out - 1) * stride >= in + pad) --out;
  return out;
}

GemmCase tight_gemm(bool transpose_a, bool transpose_b, I m, I n, I k) {
  GemmCase g;
  g.transpose_a = transpose_a;
  g.transpose_b = transpose_b;
  g.m = m;
  g.n = n;
  g.k = k;
  g.lda = transpose_a ? m : k;
  g.ldb = transpose_b ? k : n;
  g.ldc = n;
  return g;
}

// A square convolution with symmetric padding over a square input.
Conv2dGeometry square_conv(I batch, Grouping grouping, I size, I kernel, I stride, I pad) {
  Conv2dGeometry g;
  g.batch = batch;
  g.in_channels = grouping.in_channels;
  g.out_channels = grouping.out_channels;
  g.groups = grouping.groups;
  g.in_h = g.in_w = size;
  g.kernel_h = g.kernel_w = kernel;
  g.stride_h = g.stride_w = stride;
  g.pad_top = g.pad_left = g.pad_bottom = g.pad_right = pad;
  g.out_h = g.out_w = floor_output(size, pad, pad, kernel, stride, 1);
  return g;
}

Pool2dGeometry square_pool(I kernel, I stride, I pad, bool count_include_pad) {
  Pool2dGeometry g;
  g.batch = 2;
  g.channels = 64;
  g.in_h = g.in_w = 56;
  g.kernel_h = g.kernel_w = kernel;
  g.stride_h = g.stride_w = stride;
  g.pad_top = g.pad_left = pad;
  g.count_include_pad = count_include_pad;
  g.out_h = g.out_w = floor_output(g.in_h, pad, pad, kernel, stride, 1);
  return g;
}

}  // namespace

std::vector<GemmCase> gemm_battery() {
  std::vector<GemmCase> cases;
  const std::array<std::array<I, 3>, 5> sizes{
      {{1, 1, 1}, {5, 7, 3}, {17, 9, 33}, {1, 40, 70}, {64, 48, 80}}};
  const std::array<std::pair<float, float>, 3> scalars{
      {{1.0F, 0.0F}, {0.5F, 1.0F}, {-2.0F, 0.25F}}};
  for (bool ta : {false, true}) {
    for (bool tb : {false, true}) {
      for (const auto& [m, n, k] : sizes) {
        for (I padding : {0, 3}) {
          for (const auto& [alpha, beta] : scalars) {
            GemmCase g;
            g.transpose_a = ta;
            g.transpose_b = tb;
            g.m = m;
            g.n = n;
            g.k = k;
            g.lda = (ta ? m : k) + padding;
            g.ldb = (tb ? k : n) + padding;
            g.ldc = n + padding;
            g.alpha = alpha;
            g.beta = beta;
            cases.push_back(g);
          }
        }
      }
    }
  }
  return cases;
}

std::vector<Conv2dGeometry> conv_battery() {
  std::vector<Conv2dGeometry> cases;
  for (const auto& [kh, kw] : {std::pair<I, I>{1, 1}, {3, 3}, {5, 3}}) {
    for (I stride : {1, 2, 3}) {
      for (const Padding& pad :
           {Padding{0, 0, 0, 0}, Padding{kh / 2, kw / 2, kh / 2, kw / 2}, Padding{2, 0, 1, 2}}) {
        for (I dilation : {1, 2}) {
          for (const Grouping& grouping :
               {Grouping{1, 3, 5}, Grouping{2, 4, 6}, Grouping{4, 4, 4}, Grouping{4, 4, 8}}) {
            for (I batch : {1, 8}) {
              Conv2dGeometry g;
              g.batch = batch;
              g.in_channels = grouping.in_channels;
              g.out_channels = grouping.out_channels;
              g.groups = grouping.groups;
              g.in_h = 9;
              g.in_w = 10;
              g.kernel_h = kh;
              g.kernel_w = kw;
              g.stride_h = g.stride_w = stride;
              g.pad_top = pad.top;
              g.pad_left = pad.left;
              g.pad_bottom = pad.bottom;
              g.pad_right = pad.right;
              g.dilation_h = g.dilation_w = dilation;
              g.out_h = floor_output(g.in_h, pad.top, pad.bottom, kh, stride, dilation);
              g.out_w = floor_output(g.in_w, pad.left, pad.right, kw, stride, dilation);
              if (g.out_h > 0 && g.out_w > 0) cases.push_back(g);
            }
          }
        }
      }
    }
  }
  return cases;
}

std::vector<Pool2dGeometry> pool_battery(bool count_include_pad) {
  std::vector<Pool2dGeometry> cases;
  for (const auto& [kh, kw] : {std::pair<I, I>{2, 2}, {3, 3}, {3, 2}}) {
    for (I stride : {1, 2, 3}) {
      for (const auto& [pad_top, pad_left] : {std::pair<I, I>{0, 0}, {1, 1}, {1, 0}}) {
        for (I dilation : {1, 2}) {
          for (I batch : {1, 8}) {
            for (bool ceil : {false, true}) {
              Pool2dGeometry g;
              g.batch = batch;
              g.channels = 3;
              g.in_h = 7;
              g.in_w = 8;
              g.kernel_h = kh;
              g.kernel_w = kw;
              g.stride_h = g.stride_w = stride;
              g.pad_top = pad_top;
              g.pad_left = pad_left;
              g.dilation_h = g.dilation_w = dilation;
              g.count_include_pad = count_include_pad;
              g.out_h = ceil ? ceil_output(g.in_h, pad_top, kh, stride, dilation)
                             : floor_output(g.in_h, pad_top, pad_top, kh, stride, dilation);
              g.out_w = ceil ? ceil_output(g.in_w, pad_left, kw, stride, dilation)
                             : floor_output(g.in_w, pad_left, pad_left, kw, stride, dilation);
              if (g.out_h > 0 && g.out_w > 0) cases.push_back(g);
            }
          }
        }
      }
    }
  }
  return cases;
}

std::vector<GemmCase> large_gemm_cases() {
  GemmCase scaled = tight_gemm(true, true, 520, 300, 200);
  scaled.alpha = 0.5F;
  scaled.beta = 1.0F;
  return {tight_gemm(false, false, 300, 520, 120), scaled};
}

// Each convolution has at least 10 million multiply-adds: enough for a backend to give it a team
// of threads (cpu-onednn's threshold), few enough for cpu-naive to run it in a few tens of ms.
std::vector<Conv2dGeometry> large_conv_cases() {
  return {square_conv(2, {1, 32, 32}, 28, 3, 1, 1), square_conv(2, {1, 128, 256}, 28, 1, 2, 0),
          square_conv(4, {128, 128, 128}, 32, 5, 1, 2)};
}

std::vector<Pool2dGeometry> large_pool_cases(bool count_include_pad) {
  return {square_pool(3, 2, 1, count_include_pad), square_pool(2, 2, 0, count_include_pad)};
}

std::string describe(const GemmCase& g) {
  std::ostringstream out;
  out << "gemm " << (g.transpose_a ? "A^T" : "A") << (g.transpose_b ? " B^T" : " B") << " m=" << g.m
      << " n=" << g.n << " k=" << g.k << " lda=" << g.lda << " ldb=" << g.ldb << " ldc=" << g.ldc
      << " alpha=" << g.alpha << " beta=" << g.beta;
  return out.str();
}

std::string describe(const Conv2dGeometry& g) {
  std::ostringstream out;
  out << "conv N=" << g.batch << " C=" << g.in_channels << "->" << g.out_channels << " groups "
      << g.groups << " in " << g.in_h << "x" << g.in_w << " out " << g.out_h << "x" << g.out_w
      << " kernel " << g.kernel_h << "x" << g.kernel_w << " stride " << g.stride_h << " pad "
      << g.pad_top << "," << g.pad_left << "," << g.pad_bottom << "," << g.pad_right << " dilation "
      << g.dilation_h;
  return out.str();
}

std::string describe(const Pool2dGeometry& g) {
  std::ostringstream out;
  out << "pool N=" << g.batch << " C=" << g.channels << " in " << g.in_h << "x" << g.in_w << " out "
      << g.out_h << "x" << g.out_w << " kernel " << g.kernel_h << "x" << g.kernel_w << " stride "
      << g.stride_h << " pad " << g.pad_top << "," << g.pad_left << " dilation " << g.dilation_h
      << " count_include_pad " << (g.count_include_pad ? "true" : "false");
  return out.str();
}

}  // namespace lumen::conformance::detail
