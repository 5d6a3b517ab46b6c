#pragma once
/// What metric plugins share: reducing an attribution to one relevance per pixel, ranking and
/// choosing pixels, and the statistics of such maps. Every lumen metric sees a sample's map as
/// the sum of its attribution over channels, r[p] = sum_c a[c,p] (signs kept; layer-space maps
/// arrive upsampled to the input), so a metric built on these reads maps as the others do.
/// Part of the static library lumen::metric_support (link it with lumen_add_plugin's LIBRARIES).
/// Pure functions of their arguments: thread-safe.
#include <cstdint>
#include <lumen/tensor.hpp>
#include <vector>

namespace lumen::metric_support {

/// r[p] = sum over channels of maps[n, :, p], in double; `maps` is [N,C,H,W].
std::vector<double> pixel_relevance(const Tensor& maps, std::int64_t n);

/// r min-max scaled to [0,1]; a constant map gives all 0 (as display_map does).
std::vector<double> min_max_scaled(std::vector<double> r);

/// Pixel indices by decreasing relevance, ties broken by increasing index.
std::vector<std::int64_t> order_by_relevance(const std::vector<double>& r);

/// The binary map of the ceil(percent/100 * P) most relevant pixels (at least one), ties broken
/// by index.
std::vector<bool> top_percent(const std::vector<double>& r, double percent);

/// Pearson correlation of a and b (of equal, non-zero size); 0 when either is constant (the
/// correlation is undefined).
double pearson(const std::vector<double>& a, const std::vector<double>& b);

/// Ranks 1..n with ties given their average rank.
std::vector<double> average_ranks(const std::vector<double>& v);

/// The mean of `values` (0 for none).
double mean(const std::vector<double>& values);

}  // namespace lumen::metric_support
