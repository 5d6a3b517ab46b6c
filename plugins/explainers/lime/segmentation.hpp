#pragma once
// Segments of one image for LIME: a label per pixel in [0, count).
#include <cstdint>
#include <vector>

namespace lumen::lime {

struct Segments {
  std::int64_t count = 0;
  std::vector<std::int32_t> labels;  ///< H*W, row-major
};

/// A grid of about `segments` rectangular cells: rows = round(sqrt(segments * H / W)) and
/// columns = round(segments / rows), each at least 1 and at most H (W); cell boundaries at
/// floor(r * H / rows).
Segments grid_segments(std::int64_t height, std::int64_t width, std::int64_t segments);

/// SLIC-style superpixels: k-means (10 Lloyd iterations) on (intensity, y, x) of the image
/// `image` ([C,H,W], intensity = mean over channels, rescaled to [0,1] over the image), the
/// spatial distance divided by the grid interval S = sqrt(H W / segments) and weighted by
/// `compactness`. Centres start at the cells of grid_segments (deterministic: no randomness);
/// empty clusters are dropped and the labels renumbered in scan order of first appearance.
Segments slic_segments(const float* image, std::int64_t channels, std::int64_t height,
                       std::int64_t width, std::int64_t segments, double compactness);

}  // namespace lumen::lime
