#include "split.hpp"

#include <algorithm>

namespace lumen::cpu_onednn {
namespace {

Index extent(Index kernel, Index dilation) { return (kernel - 1) * dilation + 1; }

/// Forward: output rows [first, first + rows) read input rows [first * s - pad, ...), clipped.
Band forward_band(const Conv2dGeometry& g, Index first, Index rows) {
  const Index low = first * g.stride_h - g.pad_top;
  const Index high = (first + rows - 1) * g.stride_h - g.pad_top + extent(g.kernel_h, g.dilation_h);
  Band b{first, rows, std::max<Index>(0, low), 0, 0, 0};
  b.read_rows = std::min(g.in_h, high) - b.read_first;
  b.pad_top = b.read_first - low;
  b.pad_bottom = high - std::min(g.in_h, high);
  return b;
}

Index ceil_div(Index a, Index b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }

/// Backward data: input rows [first, first + rows) receive from the output rows whose windows
/// reach them; the band's padding places those windows where they are in the whole.
Band backward_band(const Conv2dGeometry& g, Index first, Index rows) {
  const Index reach = extent(g.kernel_h, g.dilation_h) - 1;
  const Index low = std::max<Index>(0, ceil_div(first + g.pad_top - reach, g.stride_h));
  const Index high = std::min<Index>(g.out_h, (first + rows - 1 + g.pad_top) / g.stride_h + 1);
  Band b{first, rows, low, high - low, 0, 0};
  b.pad_top = g.pad_top + first - low * g.stride_h;
  b.pad_bottom = (b.read_rows - 1) * g.stride_h + reach + 1 - rows - b.pad_top;
  return b;
}

}  // namespace

Band band_of(const Conv2dGeometry& g, const Split& s, Index r, bool forward) {
  if (s.bands == 1) {
    return forward ? Band{0, g.out_h, 0, g.in_h, g.pad_top, g.pad_bottom}
                   : Band{0, g.in_h, 0, g.out_h, g.pad_top, g.pad_bottom};
  }
  const Index first = r * s.rows, computed_h = forward ? g.out_h : g.in_h;
  const Index rows = std::min(s.rows, computed_h - first);
  return forward ? forward_band(g, first, rows) : backward_band(g, first, rows);
}

Conv2dGeometry band_geometry(Conv2dGeometry g, const Band& b, bool forward) {
  (forward ? g.out_h : g.in_h) = b.rows;
  (forward ? g.in_h : g.out_h) = b.read_rows;
  g.pad_top = b.pad_top;
  g.pad_bottom = b.pad_bottom;
  return g;
}

namespace {

/// Whether every band reads at least one row and sees padding oneDNN takes (less than the
/// kernel's extent); otherwise the rows stay whole.
bool bands_fit(const Conv2dGeometry& g, const Split& s, bool forward) {
  for (Index r = 0; r < s.bands; ++r) {
    const Band b = band_of(g, s, r, forward);
    const Index limit = extent(g.kernel_h, g.dilation_h);
    if (b.read_rows < 1 || b.pad_top < 0 || b.pad_bottom < 0 || b.pad_top >= limit ||
        b.pad_bottom >= limit) {
      return false;
    }
  }
  return true;
}

}  // namespace

Split split_of(const Conv2dGeometry& g, Index channels, bool forward) {
  constexpr Index small_flops = 20'000'000;  // below this a call is one task
  constexpr Index flops_per_task = 50'000'000;
  constexpr Index most_tasks = 8;
  constexpr Index positions_per_task = 56 * 56;
  constexpr Index fewest_band_rows = 4;
  const Index flops = 2 * g.batch * g.out_channels * g.out_h * g.out_w *
                      (g.in_channels / g.groups) * g.kernel_h * g.kernel_w;
  const Index computed_h = forward ? g.out_h : g.in_h;
  Split s;
  s.rows = computed_h;
  if (flops < small_flops) {
    s.block = g.batch;
    s.chunk = channels;
    return s;
  }
  const Index plane = g.out_h * g.out_w;
  s.block = std::clamp<Index>((positions_per_task + plane - 1) / plane, 1, g.batch);
  // Up to four slices of at least 64 channels. Each slice re-reads the input, so slicing costs
  // a single thread 5-8% on VGG-16 and ResNet-18 (16-channel slices cost 40%), and gives a second
  // thread work on a single image. Grouped convolutions are split by samples and rows only.
  s.chunks = g.groups == 1 && channels % 64 == 0 ? std::min<Index>(4, channels / 64) : 1;
  s.chunk = channels / s.chunks;
  // Bands of rows make up the tasks still wanted; a band re-reads only the rows its windows share
  // with the next. Backward bands start at multiples of the stride, so each sees the same phase.
  const Index tasks = ((g.batch + s.block - 1) / s.block) * s.chunks;
  const Index wanted = std::clamp<Index>(flops / flops_per_task, 1, most_tasks);
  if (tasks >= wanted) return s;
  const Index step = forward ? 1 : g.stride_h;
  const Index bands = std::min(ceil_div(wanted, tasks), computed_h / fewest_band_rows);
  if (bands < 2) return s;
  Split banded = s;
  banded.rows = ceil_div(ceil_div(computed_h, bands), step) * step;
  banded.bands = ceil_div(computed_h, banded.rows);
  return banded.bands > 1 && bands_fit(g, banded, forward) ? banded : s;
}

}  // namespace lumen::cpu_onednn
