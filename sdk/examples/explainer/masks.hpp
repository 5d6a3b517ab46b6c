#pragma once
// The random masks of RISE (Petsiuk, Das, Saenko, BMVC 2018).
#include <cstdint>
#include <lumen/context.hpp>
#include <lumen/tensor.hpp>

namespace rise {

struct MaskSpec {
  std::int64_t cells = 8;    ///< s: the grid is s x s cells
  double probability = 0.5;  ///< p: the chance that a cell is kept
  std::int64_t height = 1;   ///< H, W: the size of the input the masks cover
  std::int64_t width = 1;
};

/// Masks first, ..., first + count - 1 as [count,1,H,W] in [0,1]. Mask i is an s x s grid of cells
/// kept with probability p, upsampled bilinearly to (s+1) x (s+1) cells of ceil(H/s) x ceil(W/s)
/// pixels and cropped to H x W at a random shift of less than one cell. Its random numbers come
/// only from context.rng(i), so mask i is the same whichever call, batch or thread makes it.
lumen::Tensor make_masks(const lumen::Context& context, const MaskSpec& spec, std::int64_t first,
                         std::int64_t count);

}  // namespace rise
