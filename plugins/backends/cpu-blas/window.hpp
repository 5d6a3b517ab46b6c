#pragma once
#include <algorithm>

#include "blas.hpp"

namespace lumen::cpu_blas {

// Positions along one axis are i = o * step + offset for o = 0, 1, ...: for an output index o
// (step = stride, offset = tap offset - padding) or for a kernel tap (step = dilation).

/// The first o >= 0 with o * step + offset >= 0.
inline Index first_inside(Index offset, Index step) {
  return offset >= 0 ? 0 : (-offset + step - 1) / step;
}

/// One past the last o < count with o * step + offset < size, or 0 when there is none. It can be
/// below first_inside() when no o is inside: callers clamp.
inline Index end_inside(Index offset, Index step, Index size, Index count) {
  const Index last = size - 1 - offset;
  return last < 0 ? 0 : std::min(count, last / step + 1);
}

}  // namespace lumen::cpu_blas
