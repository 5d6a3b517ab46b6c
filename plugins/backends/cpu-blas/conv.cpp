#include "conv.hpp"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <vector>

#include "blas.hpp"
#include "im2col.hpp"

namespace lumen::cpu_blas {
namespace {

// Task sizes: large enough for sgemm to run near its peak, small enough to balance two or more
// threads on one image. They depend on the geometry only, never on the thread count.
constexpr Index columns_per_task = 256;  // output positions per forward task
constexpr Index rows_per_task = 64;      // im2col rows (channels x taps) per backward task

/// Sizes of the per-group matrices: y_g [cout_g, P] = w_g [cout_g, K] * col [K, P].
struct ConvShape {
  Index cin_g, cout_g, taps, k, in_plane, out_plane;
  /// A 1x1 kernel with stride 1 and no padding: the input planes are the im2col matrix.
  bool pointwise;
};

ConvShape shape_of(const Conv2dGeometry& g) {
  ConvShape s{};
  s.cin_g = g.in_channels / g.groups;
  s.cout_g = g.out_channels / g.groups;
  s.taps = g.kernel_h * g.kernel_w;
  s.k = s.cin_g * s.taps;
  s.in_plane = g.in_h * g.in_w;
  s.out_plane = g.out_h * g.out_w;
  s.pointwise = s.taps == 1 && g.stride_h == 1 && g.stride_w == 1 && g.pad_top == 0 &&
                g.pad_left == 0 && g.pad_bottom == 0 && g.pad_right == 0;
  return s;
}

Index ceil_div(Index a, Index b) { return (a + b - 1) / b; }

/// Runs body(task) for task in [0, count) in parallel. Tasks are independent, so how oneTBB
/// groups them cannot change any result.
template <typename Body>
void for_each_task(Index count, Body&& body) {
  tbb::parallel_for(tbb::blocked_range<Index>(0, count), [&](const tbb::blocked_range<Index>& r) {
    for (Index task = r.begin(); task != r.end(); ++task) body(task);
  });
}

}  // namespace

void conv2d_forward(const Conv2dGeometry& g, const float* x, const float* w, const float* bias,
                    float* y) {
  const ConvShape s = shape_of(g);
  const Index chunks = ceil_div(s.out_plane, columns_per_task);
  // Task (n, group, chunk) computes the output columns [p0, p1) of one sample's group.
  for_each_task(g.batch * g.groups * chunks, [&](Index task) {
    const Index chunk = task % chunks, ng = task / chunks;
    const Index n = ng / g.groups, group = ng % g.groups;
    const Index p0 = chunk * columns_per_task;
    const Index p1 = std::min(s.out_plane, p0 + columns_per_task);
    const float* x_g = x + (n * g.in_channels + group * s.cin_g) * s.in_plane;
    float* y_g = y + (n * g.out_channels + group * s.cout_g) * s.out_plane;
    std::vector<float> col;
    const float* b = x_g + p0;
    Index ldb = s.in_plane;
    if (!s.pointwise) {
      col.resize(static_cast<std::size_t>(s.k * (p1 - p0)));
      im2col(g, x_g, 0, s.cin_g, p0, p1, col.data(), p1 - p0);
      b = col.data();
      ldb = p1 - p0;
    }
    sgemm(false, false, s.cout_g, p1 - p0, s.k, 1.0F, w + group * s.cout_g * s.k, s.k, b, ldb, 0.0F,
          y_g + p0, s.out_plane);
    if (bias) {
      for (Index co = 0; co < s.cout_g; ++co) {
        const float value = bias[group * s.cout_g + co];
        float* row = y_g + co * s.out_plane;
        for (Index p = p0; p < p1; ++p) row[p] += value;
      }
    }
  });
}

void conv2d_backward_data(const Conv2dGeometry& g, const float* dy, const float* w, float* dx) {
  const ConvShape s = shape_of(g);
  if (s.pointwise) {
    // dx_g = w_g^T dy_g straight into the input planes, cut by columns like the forward pass.
    const Index chunks = ceil_div(s.out_plane, columns_per_task);
    for_each_task(g.batch * g.groups * chunks, [&](Index task) {
      const Index chunk = task % chunks, ng = task / chunks;
      const Index n = ng / g.groups, group = ng % g.groups;
      const Index p0 = chunk * columns_per_task;
      const Index p1 = std::min(s.out_plane, p0 + columns_per_task);
      sgemm(true, false, s.cin_g, p1 - p0, s.cout_g, 1.0F, w + group * s.cout_g * s.k, s.k,
            dy + (n * g.out_channels + group * s.cout_g) * s.out_plane + p0, s.out_plane, 0.0F,
            dx + (n * g.in_channels + group * s.cin_g) * s.in_plane + p0, s.in_plane);
    });
    return;
  }
  // Task (n, group, channel chunk): the im2col rows of a few input channels, w_g^T dy_g, folded
  // back into those channels' planes. col2im of different channels never touches the same
  // element, whereas cutting by columns would make overlapping windows collide.
  const Index channels_per_task = std::max<Index>(1, rows_per_task / s.taps);
  const Index chunks = ceil_div(s.cin_g, channels_per_task);
  for_each_task(g.batch * g.groups * chunks, [&](Index task) {
    const Index chunk = task % chunks, ng = task / chunks;
    const Index n = ng / g.groups, group = ng % g.groups;
    const Index c0 = chunk * channels_per_task;
    const Index c1 = std::min(s.cin_g, c0 + channels_per_task);
    const Index rows = (c1 - c0) * s.taps;
    std::vector<float> col(static_cast<std::size_t>(rows * s.out_plane));
    sgemm(true, false, rows, s.out_plane, s.cout_g, 1.0F, w + group * s.cout_g * s.k + c0 * s.taps,
          s.k, dy + (n * g.out_channels + group * s.cout_g) * s.out_plane, s.out_plane, 0.0F,
          col.data(), s.out_plane);
    col2im(g, col.data(), c0, c1, dx + (n * g.in_channels + group * s.cin_g) * s.in_plane);
  });
}

void conv2d_backward_weights(const Conv2dGeometry& g, const float* x, const float* dy, float* dw,
                             float* db) {
  const ConvShape s = shape_of(g);
  // Task (group, channel chunk) owns the columns of dw for a few input channels and adds the
  // samples' contributions dy_g[n] col[n]^T in the order n = 0, 1, ..., the same on any number
  // of threads.
  const Index channels_per_task = std::max<Index>(1, rows_per_task / s.taps);
  const Index chunks = ceil_div(s.cin_g, channels_per_task);
  for_each_task(g.groups * chunks, [&](Index task) {
    const Index chunk = task % chunks, group = task / chunks;
    const Index c0 = chunk * channels_per_task;
    const Index c1 = std::min(s.cin_g, c0 + channels_per_task);
    const Index rows = (c1 - c0) * s.taps;
    std::vector<float> col(s.pointwise ? 0 : static_cast<std::size_t>(rows * s.out_plane));
    for (Index n = 0; n < g.batch; ++n) {
      const float* x_g = x + (n * g.in_channels + group * s.cin_g) * s.in_plane;
      const float* b = x_g + c0 * s.in_plane;
      if (!s.pointwise) {
        im2col(g, x_g, c0, c1, 0, s.out_plane, col.data(), s.out_plane);
        b = col.data();
      }
      sgemm(false, true, s.cout_g, rows, s.out_plane, 1.0F,
            dy + (n * g.out_channels + group * s.cout_g) * s.out_plane, s.out_plane, b, s.out_plane,
            n == 0 ? 0.0F : 1.0F, dw + group * s.cout_g * s.k + c0 * s.taps, s.k);
    }
  });
  if (!db) return;
  for_each_task(g.out_channels, [&](Index co) {
    double sum = 0.0;
    for (Index n = 0; n < g.batch; ++n) {
      const float* plane = dy + (n * g.out_channels + co) * s.out_plane;
      for (Index p = 0; p < s.out_plane; ++p) sum += plane[p];
    }
    db[co] = static_cast<float>(sum);
  });
}

}  // namespace lumen::cpu_blas
