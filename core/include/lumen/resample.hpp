#pragma once
#include <cstdint>

#include "lumen/export.hpp"
#include "lumen/tensor.hpp"

namespace lumen {

/// Resizes the spatial planes of `maps` ([N,C,h,w]) to [N,C,height,width] by bilinear
/// interpolation with half-pixel centres: output pixel o reads the input at
/// src = (o + 0.5) * (h / height) - 0.5, clamped to the edges (the semantics of PyTorch's
/// F.interpolate(mode="bilinear", align_corners=False)). Downscaling uses the same formula without
/// anti-aliasing, so it samples rather than averages; fine for images at most a few times larger
/// than the target. Returns a copy when the sizes already match. Throws ShapeError for a tensor
/// that is not 4-D and InvalidArgument for a non-positive size. Thread-safe.
LUMEN_API Tensor upsample_bilinear(const Tensor& maps, std::int64_t height, std::int64_t width);

}  // namespace lumen
