#include "pool.hpp"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "lumen/error.hpp"
#include "window.hpp"

namespace lumen::cpu_blas {
namespace {

/// The taps of one pooling window that fall inside the input: kernel rows [kh_begin, kh_end) and
/// columns [kw_begin, kw_end). Tap (kh, kw) reads the plane index
/// (top + kh * dilation_h) * in_w + left + kw * dilation_w.
struct Window {
  Index top, left, kh_begin, kh_end, kw_begin, kw_end;
  Index inside() const { return (kh_end - kh_begin) * (kw_end - kw_begin); }
};

/// The windows of every output position. Along each axis the taps inside the input depend on
/// that axis' output index only, so they are found once per call (with divisions) and combined
/// per position (without).
class Windows {
 public:
  explicit Windows(const Pool2dGeometry& g)
      : rows_(spans(g.out_h, g.stride_h, g.pad_top, g.dilation_h, g.in_h, g.kernel_h)),
        cols_(spans(g.out_w, g.stride_w, g.pad_left, g.dilation_w, g.in_w, g.kernel_w)) {}

  /// The outputs [first, last) along w whose windows lie wholly inside the input's columns.
  std::pair<Index, Index> whole_columns(const Pool2dGeometry& g) const {
    Index first = 0, last = 0;
    for (Index ow = 0; ow < g.out_w; ++ow) {
      const Span& c = cols_[static_cast<std::size_t>(ow)];
      if (c.begin != 0 || c.end != g.kernel_w) continue;
      if (last == 0) first = ow;
      last = ow + 1;
    }
    return {first, last};
  }

  Window at(Index oh, Index ow) const {
    const Span& r = rows_[static_cast<std::size_t>(oh)];
    const Span& c = cols_[static_cast<std::size_t>(ow)];
    return {r.start, c.start, r.begin, r.end, c.begin, c.end};
  }

 private:
  struct Span {
    Index start, begin, end;
  };
  static std::vector<Span> spans(Index out, Index stride, Index pad, Index dilation, Index in,
                                 Index kernel) {
    std::vector<Span> result(static_cast<std::size_t>(out));
    for (Index o = 0; o < out; ++o) {
      Span& s = result[static_cast<std::size_t>(o)];
      s.start = o * stride - pad;
      s.begin = first_inside(s.start, dilation);
      s.end = std::max(s.begin, end_inside(s.start, dilation, in, kernel));
    }
    return result;
  }
  std::vector<Span> rows_, cols_;
};

/// Calls visit(index) for the plane index of every tap of w inside the input, in scan order.
template <typename Visit>
void for_each_tap(const Pool2dGeometry& g, const Window& w, Visit&& visit) {
  for (Index kh = w.kh_begin; kh < w.kh_end; ++kh) {
    const Index row = (w.top + kh * g.dilation_h) * g.in_w + w.left;
    for (Index kw = w.kw_begin; kw < w.kw_end; ++kw) visit(row + kw * g.dilation_w);
  }
}

/// Calls body(plane) for every (n, c) plane, in parallel, a few thousand outputs per task at
/// least (planes are independent, so the grouping cannot change a result).
template <typename Body>
void for_each_plane(const Pool2dGeometry& g, Body&& body) {
  const Index grain = std::max<Index>(1, 4096 / std::max<Index>(1, g.out_h * g.out_w));
  tbb::parallel_for(tbb::blocked_range<Index>(0, g.batch * g.channels, grain),
                    [&](const tbb::blocked_range<Index>& planes) {
                      for (Index plane = planes.begin(); plane != planes.end(); ++plane) {
                        body(plane);
                      }
                    });
}

/// Whether every tap of w is inside the input and the taps are adjacent (no dilation).
bool whole(const Pool2dGeometry& g, const Window& w) {
  return g.dilation_h == 1 && g.dilation_w == 1 && w.kh_begin == 0 && w.kh_end == g.kernel_h &&
         w.kw_begin == 0 && w.kw_end == g.kernel_w;
}

/// Divisor of an average: the whole kernel, or only the taps inside the input.
Index divisor(const Pool2dGeometry& g, const Window& w) {
  return g.count_include_pad ? g.kernel_h * g.kernel_w : w.inside();
}

/// Max pooling of `count` whole K x K windows, S columns apart, the first at plane index `first`:
/// the common 2x2/2 and 3x3/2 pools. With sizes known and selects rather than branches the
/// compiler vectorises it across windows; same scan order and ties as the general loop. Records
/// the winners in `argmax` when Record.
template <int K, int S, bool Record>
void whole_windows(const float* __restrict plane, Index in_w, Index first, Index count,
                   float* __restrict y, std::int32_t* __restrict argmax) {
  for (Index j = 0; j < count; ++j) {
    const auto top_left = static_cast<std::int32_t>(first + j * S);
    float best = plane[top_left];
    std::int32_t best_index = top_left;
    for (int kh = 0; kh < K; ++kh) {
      for (int kw = 0; kw < K; ++kw) {
        const std::int32_t at = top_left + static_cast<std::int32_t>(kh * in_w) + kw;
        const float value = plane[at];
        const bool greater = value > best;  // strictly: a tie keeps the first in scan order
        best = greater ? value : best;
        best_index = greater ? at : best_index;
      }
    }
    y[j] = best;
    if constexpr (Record) argmax[j] = best_index;
  }
}

using WholeWindows = void (*)(const float*, Index, Index, Index, float*, std::int32_t*);

template <bool Record>
WholeWindows whole_windows_for(const Pool2dGeometry& g) {
  if (g.dilation_h != 1 || g.dilation_w != 1 || g.kernel_h != g.kernel_w) return nullptr;
  if (g.kernel_h == 2 && g.stride_w == 2) return whole_windows<2, 2, Record>;
  if (g.kernel_h == 3 && g.stride_w == 2) return whole_windows<3, 2, Record>;
  if (g.kernel_h == 3 && g.stride_w == 1) return whole_windows<3, 1, Record>;
  return nullptr;
}

/// The specialised loop for g's windows, with or without winners, or null.
WholeWindows whole_windows_for(const Pool2dGeometry& g, bool record) {
  return record ? whole_windows_for<true>(g) : whole_windows_for<false>(g);
}

}  // namespace

void max_pool2d_forward(const Pool2dGeometry& g, const float* x, float* y, std::int32_t* argmax) {
  const Index in_plane = g.in_h * g.in_w, out_plane = g.out_h * g.out_w;
  const Windows windows(g);
  const WholeWindows fast = whole_windows_for(g, argmax != nullptr);
  const auto [fast_first, fast_last] = windows.whole_columns(g);
  for_each_plane(g, [&](Index plane) {
    const float* xp = x + plane * in_plane;
    for (Index oh = 0; oh < g.out_h; ++oh) {
      for (Index ow = 0; ow < g.out_w; ++ow) {
        const Window w = windows.at(oh, ow);
        if (fast && ow == fast_first && fast_last > fast_first && whole(g, w)) {
          const Index o = plane * out_plane + oh * g.out_w + ow;
          fast(xp, g.in_w, w.top * g.in_w + w.left, fast_last - fast_first, y + o,
               argmax ? argmax + o : nullptr);
          ow = fast_last - 1;
          continue;
        }
        float best = 0.0F;  // the value of a window that lies entirely in the padding
        Index best_index = -1;
        if (whole(g, w)) {
          // The common case, without the general loop's per-tap checks: same scan order.
          const Index first = w.top * g.in_w + w.left;
          best = xp[first];
          best_index = first;
          for (Index kh = 0; kh < g.kernel_h; ++kh) {
            const Index row = first + kh * g.in_w;
            for (Index kw = 0; kw < g.kernel_w; ++kw) {
              if (xp[row + kw] > best) {
                best = xp[row + kw];
                best_index = row + kw;
              }
            }
          }
        } else {
          for_each_tap(g, w, [&](Index index) {
            // Strictly greater: a tie keeps the first winner in scan order.
            if (best_index < 0 || xp[index] > best) {
              best = xp[index];
              best_index = index;
            }
          });
        }
        const Index o = plane * out_plane + oh * g.out_w + ow;
        y[o] = best;
        if (argmax) argmax[o] = static_cast<std::int32_t>(best_index);
      }
    }
  });
}

void max_pool2d_backward(const Pool2dGeometry& g, const float* dy, const std::int32_t* argmax,
                         float* dx) {
  const Index in_plane = g.in_h * g.in_w, out_plane = g.out_h * g.out_w;
  for_each_plane(g, [&](Index plane) {
    float* dxp = dx + plane * in_plane;
    std::fill(dxp, dxp + in_plane, 0.0F);
    for (Index o = plane * out_plane; o < (plane + 1) * out_plane; ++o) {
      const Index winner = argmax[o];
      if (winner < -1 || winner >= in_plane) {
        throw InvalidArgument("cpu-blas max_pool2d_backward: argmax[" + std::to_string(o) +
                              "] = " + std::to_string(winner) + " is outside the input plane of " +
                              std::to_string(in_plane) + " elements");
      }
      if (winner >= 0) dxp[winner] += dy[o];
    }
  });
}

void avg_pool2d_forward(const Pool2dGeometry& g, const float* x, float* y) {
  const Index in_plane = g.in_h * g.in_w, out_plane = g.out_h * g.out_w;
  const Windows windows(g);
  for_each_plane(g, [&](Index plane) {
    const float* xp = x + plane * in_plane;
    for (Index oh = 0; oh < g.out_h; ++oh) {
      for (Index ow = 0; ow < g.out_w; ++ow) {
        const Window w = windows.at(oh, ow);
        float sum = 0.0F;
        for_each_tap(g, w, [&](Index index) { sum += xp[index]; });
        const Index count = divisor(g, w);
        y[plane * out_plane + oh * g.out_w + ow] =
            count == 0 ? 0.0F : sum / static_cast<float>(count);
      }
    }
  });
}

void avg_pool2d_backward(const Pool2dGeometry& g, const float* dy, float* dx) {
  const Index in_plane = g.in_h * g.in_w, out_plane = g.out_h * g.out_w;
  const Windows windows(g);
  for_each_plane(g, [&](Index plane) {
    float* dxp = dx + plane * in_plane;
    std::fill(dxp, dxp + in_plane, 0.0F);
    for (Index oh = 0; oh < g.out_h; ++oh) {
      for (Index ow = 0; ow < g.out_w; ++ow) {
        const Window w = windows.at(oh, ow);
        const Index count = divisor(g, w);
        if (count == 0) continue;
        const float share = dy[plane * out_plane + oh * g.out_w + ow] / static_cast<float>(count);
        for_each_tap(g, w, [&](Index index) { dxp[index] += share; });
      }
    }
  });
}

}  // namespace lumen::cpu_blas
