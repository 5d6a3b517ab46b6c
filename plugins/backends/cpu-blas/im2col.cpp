#include "im2col.hpp"

#include <algorithm>

#include "window.hpp"

namespace lumen::cpu_blas {
namespace {

/// The part of one tap row of the im2col matrix that lies in one output row.
struct Segment {
  Index channel;           ///< input channel, counted from the group's first
  Index row;               ///< matrix row, counted from the first requested channel's
  Index column;            ///< matrix column of ow_begin, counted from the first requested position
  Index ow_begin, ow_end;  ///< the output columns covered
  Index lo, hi;  ///< the covered output columns whose input is inside the image (empty: none)
  Index input;   ///< index in the channel plane of the input read at ow = 0
};

/// Calls visit(segment) for every segment of the tap rows of channels [channel_begin,
/// channel_end) over output positions [p_begin, p_end), in matrix order.
template <typename Visit>
void for_each_segment(const Conv2dGeometry& g, Index channel_begin, Index channel_end,
                      Index p_begin, Index p_end, Visit&& visit) {
  const Index taps = g.kernel_h * g.kernel_w;
  for (Index c = channel_begin; c < channel_end; ++c) {
    for (Index kh = 0; kh < g.kernel_h; ++kh) {
      for (Index kw = 0; kw < g.kernel_w; ++kw) {
        const Index offset_h = kh * g.dilation_h - g.pad_top;
        const Index offset_w = kw * g.dilation_w - g.pad_left;
        const Index ow_lo = first_inside(offset_w, g.stride_w);
        const Index ow_hi = end_inside(offset_w, g.stride_w, g.in_w, g.out_w);
        for (Index p = p_begin; p < p_end;) {
          const Index oh = p / g.out_w, ow_begin = p % g.out_w;
          const Index ow_end = std::min(g.out_w, ow_begin + (p_end - p));
          const Index ih = oh * g.stride_h + offset_h;
          Segment s{.channel = c,
                    .row = (c - channel_begin) * taps + kh * g.kernel_w + kw,
                    .column = p - p_begin,
                    .ow_begin = ow_begin,
                    .ow_end = ow_end,
                    .lo = ow_end,
                    .hi = ow_end,
                    .input = ih * g.in_w + offset_w};
          if (ih >= 0 && ih < g.in_h) {
            s.lo = std::clamp(ow_lo, ow_begin, ow_end);
            s.hi = std::clamp(ow_hi, s.lo, ow_end);
          }
          visit(s);
          p += ow_end - ow_begin;
        }
      }
    }
  }
}

}  // namespace

void im2col(const Conv2dGeometry& g, const float* x, Index channel_begin, Index channel_end,
            Index p_begin, Index p_end, float* col, Index ld) {
  const Index plane = g.in_h * g.in_w;
  for_each_segment(g, channel_begin, channel_end, p_begin, p_end, [&](const Segment& s) {
    float* out = col + s.row * ld + s.column;  // out[ow - s.ow_begin]
    const float* in = x + s.channel * plane;
    Index ow = s.ow_begin;
    for (; ow < s.lo; ++ow) out[ow - s.ow_begin] = 0.0F;
    for (; ow < s.hi; ++ow) out[ow - s.ow_begin] = in[s.input + ow * g.stride_w];
    for (; ow < s.ow_end; ++ow) out[ow - s.ow_begin] = 0.0F;
  });
}

void col2im(const Conv2dGeometry& g, const float* col, Index channel_begin, Index channel_end,
            float* dx) {
  const Index plane = g.in_h * g.in_w;
  const Index ld = g.out_h * g.out_w;
  std::fill(dx + channel_begin * plane, dx + channel_end * plane, 0.0F);
  for_each_segment(g, channel_begin, channel_end, 0, ld, [&](const Segment& s) {
    const float* in = col + s.row * ld + s.column;
    float* out = dx + s.channel * plane;
    for (Index ow = s.lo; ow < s.hi; ++ow) out[s.input + ow * g.stride_w] += in[ow - s.ow_begin];
  });
}

}  // namespace lumen::cpu_blas
