#include "narrow_backward_data.hpp"

#include <tbb/parallel_for.h>
#include <oneapi/dnnl/dnnl.hpp>

#include <algorithm>
#include <memory>
#include <string>

#include "lumen/error.hpp"
#include "threads.hpp"

namespace lumen::cpu_onednn {

// Note [narrow backward data]
// oneDNN's backward-data kernels vectorise over the input channels they compute. With 1 to 7 of
// them most vector lanes idle: sar-cnn's first layer (16 -> 1 channels back, 5x5, 64x64) took
// 8x its forward's time there, a third of integrated gradients' time (ONEDNN_VERBOSE); the same
// work as a forward convolution of dy with flipped weights (16 -> 1) was no faster. As a gemm,
// cols = W^T dy ([C_in KH KW] x [H_out W_out], k = C_out), it runs at sgemm's speed, and col2im
// adds each column back onto the input positions its tap read.
namespace {

using Index = std::int64_t;

void col2im(const Conv2dGeometry& g, const float* cols, float* dx) {
  std::fill(dx, dx + g.in_channels * g.in_h * g.in_w, 0.0F);
  const Index positions = g.out_h * g.out_w;
  for (Index c = 0; c < g.in_channels; ++c) {
    float* plane = dx + c * g.in_h * g.in_w;
    for (Index kh = 0; kh < g.kernel_h; ++kh) {
      for (Index kw = 0; kw < g.kernel_w; ++kw) {
        const float* col = cols + ((c * g.kernel_h + kh) * g.kernel_w + kw) * positions;
        for (Index oy = 0; oy < g.out_h; ++oy) {
          const Index iy = oy * g.stride_h - g.pad_top + kh * g.dilation_h;
          if (iy < 0 || iy >= g.in_h) continue;
          float* row = plane + iy * g.in_w;
          const float* from = col + oy * g.out_w;
          const Index x0 = kw * g.dilation_w - g.pad_left;
          for (Index ox = 0; ox < g.out_w; ++ox) {
            const Index ix = ox * g.stride_w + x0;
            if (ix >= 0 && ix < g.in_w) row[ix] += from[ox];
          }
        }
      }
    }
  }
}

}  // namespace

bool is_narrow_backward_data(const Conv2dGeometry& g) { return g.groups == 1 && g.in_channels < 8; }

void backward_data_by_gemm(const Conv2dGeometry& g, const float* dy, const float* w, float* dx) {
  const Index rows = g.in_channels * g.kernel_h * g.kernel_w;
  const Index positions = g.out_h * g.out_w;
  const Index in_sample = g.in_channels * g.in_h * g.in_w;
  const Index out_sample = g.out_channels * positions;
  tbb::parallel_for(Index{0}, g.batch, [&](Index n) {
    const OmpThreads one(1);
    // Uninitialised: the gemm (beta 0) writes every element.
    const std::unique_ptr<float[]> cols(new float[static_cast<std::size_t>(rows * positions)]);
    // cols = W^T dy: W is [C_out, C_in KH KW], so row-major W read transposed.
    const dnnl::status status =
        dnnl::sgemm('T', 'N', rows, positions, g.out_channels, 1.0F, w, rows, dy + n * out_sample,
                    positions, 0.0F, cols.get(), positions);
    if (status != dnnl::status::success) {
      throw Error("cpu-onednn conv2d_backward_data: oneDNN's sgemm failed (status " +
                  std::to_string(static_cast<int>(status)) + ")");
    }
    col2im(g, cols.get(), dx + n * in_sample);
  });
}

}  // namespace lumen::cpu_onednn
