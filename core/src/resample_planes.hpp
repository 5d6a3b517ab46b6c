#pragma once
// Core-internal: the loop behind upsample_bilinear, on raw planes, for callers that resize a few
// planes at a time into a buffer of their own (the lazy masks of masked_scores).
#include <cstdint>

namespace lumen {

/// Resizes `planes` consecutive [h,w] planes at `in` to [height,width] planes at `out`, exactly as
/// upsample_bilinear does (so a plane gives the same values whichever batch it is resized in).
/// Sizes must be positive; `out` must not overlap `in`.
void upsample_bilinear_planes(const float* in, std::int64_t planes, std::int64_t h, std::int64_t w,
                              float* out, std::int64_t height, std::int64_t width);

}  // namespace lumen
