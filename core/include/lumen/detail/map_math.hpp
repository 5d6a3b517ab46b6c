#pragma once
/// Element-wise and reduction math over tensor storage that the core, the in-tree plugins and the
/// command line share: min-max scaling, per-channel standardisation, means and weighted sums of
/// maps, masked copies and blends. A map of P values is one [H,W] plane; a [C,P] argument holds C
/// such planes one after the other. Not a stable interface: it serves lumen's own code and may
/// change with any release. Implemented with xtensor views (xt::adapt) over the given memory in
/// one translation unit of the core, so this header includes no xtensor. Pure functions: thread-
/// safe; an output must not overlap an input unless the function works in place. A size that
/// does not fit is a ShapeError.
#include <cstdint>
#include <span>

#include "lumen/export.hpp"

namespace lumen::detail {

/// The smallest and the largest of some values.
struct ValueRange {
  float min = 0.0F;
  float max = 0.0F;
};

/// The smallest and the largest of `values` (ShapeError when empty).
LUMEN_API ValueRange value_range(std::span<const float> values);

/// Scales `values` in place by `range`: (v - range.min) / (range.max - range.min), or `constant`
/// for every value when range.max - range.min is not positive.
LUMEN_API void scale_by_range(std::span<float> values, ValueRange range, float constant = 0.0F);

/// Min-max scales `values` to [0,1] in place (scale_by_range with their own range): a constant
/// map becomes all `constant`. Nothing to do when empty.
LUMEN_API void scale_to_unit(std::span<float> values, float constant = 0.0F);

/// scale_to_unit on each map of `maps`, consecutive runs of `plane` values (unless `maps` is
/// empty, `plane` > 0 must divide its size).
LUMEN_API void scale_maps_to_unit(std::span<float> maps, std::int64_t plane);

/// images[n,c,p] = (images[n,c,p] - mean[c]) / stdev[c] in place, for images [N,C,P] with
/// C = mean.size() = stdev.size() and P = plane.
LUMEN_API void standardise_channels(std::span<float> images, std::span<const float> mean,
                                    std::span<const float> stdev, std::int64_t plane);

/// out[p] = (sum_c maps[c,p]) / C for maps [C,P] (P = out.size(), C >= 1), summed in order of c.
LUMEN_API void mean_of_maps(std::span<const float> maps, std::span<float> out);

/// out[p] += sum_k weights[k] * maps[k,p] for maps [K,P] (K = weights.size(), P = out.size()),
/// added in order of k. A zero weight skips its map, so a map it weighs may hold any value.
LUMEN_API void add_weighted_maps(std::span<const float> maps, std::span<const float> weights,
                                 std::span<float> out);

/// out[c,p] = x[c,p] * mask[p] for x [C,P] (P = mask.size()): one mask for every channel.
LUMEN_API void multiply_by_mask(std::span<const float> x, std::span<const float> mask,
                                std::span<float> out);

/// out[c,p] = x[c,p] * mask[p] + background[c,p] * (1 - mask[p]) for x and background [C,P]:
/// x where the mask is 1, the background where it is 0.
LUMEN_API void blend_by_mask(std::span<const float> x, std::span<const float> background,
                             std::span<const float> mask, std::span<float> out);

}  // namespace lumen::detail
