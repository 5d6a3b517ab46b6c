#pragma once
// Captum-style sliding windows over a sample's (C, H, W) axes.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <lumen/tensor.hpp>

namespace lumen::occlusion {

/// Windows over [C,H,W]: along each axis the window starts at 0, s, 2s, ... for
/// ceil((D - w) / s) + 1 positions (Captum's count), so the last window may hang over the edge and
/// is then cut at it.
struct SlidingWindows {
  std::array<std::int64_t, 3> dims{};
  std::array<std::int64_t, 3> window{};
  std::array<std::int64_t, 3> stride{};
  std::array<std::int64_t, 3> positions{};

  std::int64_t count() const { return positions[0] * positions[1] * positions[2]; }
  /// The half-open range [begin, end) window `index` covers along `axis` (row-major over C,H,W).
  std::array<std::int64_t, 2> range(std::int64_t index, int axis) const;
};

/// The windows of `window` and `stride` (c,h,w, h,w or k for k,k; an h,w window spans every
/// channel, an h,w stride moves by 1 along channels) for samples of `sample_shape` [C,H,W]. Throws
/// InvalidArgument naming the parameter and value for a list of another length, a non-positive
/// entry, a window larger than the input, or a stride larger than its window along an axis the
/// window does not cover entirely (a gap Captum also refuses).
SlidingWindows make_sliding_windows(const std::vector<double>& window,
                                    const std::vector<double>& stride, const Shape& sample_shape);

}  // namespace lumen::occlusion
