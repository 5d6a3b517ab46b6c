#pragma once
// What the metric plugins share (header-only; this folder is not a plugin): checking a case,
// reducing an attribution to one relevance per pixel, and ranking pixels. Every metric sees a
// sample's map as the sum of its attribution over channels, r[p] = sum_c a[c,p] (signs kept).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <lumen/error.hpp>
#include <lumen/metric.hpp>
#include <numeric>
#include <string>
#include <vector>

namespace lumen::metrics {

/// Checks the input and attribution of `c` (and the mask / reference / model / explainer the
/// metric declares in `needs`): [N,C,H,W] input, [N,*,H,W] maps, one target per sample.
inline void check_case(const MetricCase& c, unsigned needs, const std::string& metric) {
  if (!c.input || !c.attribution || !c.params) {
    throw InvalidArgument(metric + ": the case lacks its input, attribution or parameters");
  }
  const Tensor& x = *c.input;
  if (x.rank() != 4) {
    throw ShapeError(metric + ": the input must be [N,C,H,W], got " + to_string(x.shape()));
  }
  if (static_cast<std::int64_t>(c.targets.size()) != x.dim(0)) {
    throw InvalidArgument(metric + ": " + std::to_string(c.targets.size()) + " targets for " +
                          std::to_string(x.dim(0)) + " samples");
  }
  auto check_map = [&](const Tensor* t, const char* what) {
    if (!t) throw InvalidArgument(metric + ": the case lacks the " + what + " it needs");
    if (t->rank() != 4 || t->dim(0) != x.dim(0) || t->dim(2) != x.dim(2) || t->dim(3) != x.dim(3)) {
      throw ShapeError(metric + ": the " + what + " must be [N,*,H,W] like the input " +
                       to_string(x.shape()) + ", got " + to_string(t->shape()));
    }
    if (!all_finite(*t)) throw InvalidArgument(metric + ": the " + what + " is not finite");
  };
  check_map(c.attribution, "attribution");
  if (needs & needs_mask) check_map(c.mask, "mask");
  if (needs & needs_reference_map) check_map(c.reference, "reference map");
  if ((needs & (needs_model | needs_explainer)) && !c.model) {
    throw InvalidArgument(metric + ": the case lacks the model it needs");
  }
  if ((needs & needs_explainer) && (!c.explainer || !c.explainer_params)) {
    throw InvalidArgument(metric + ": the case lacks the explainer (and its parameters) it needs");
  }
}

/// r[p] = sum over channels of maps[n, :, p], in double.
inline std::vector<double> pixel_relevance(const Tensor& maps, std::int64_t n) {
  const std::int64_t channels = maps.dim(1), plane = maps.dim(2) * maps.dim(3);
  std::vector<double> r(static_cast<std::size_t>(plane), 0.0);
  const float* a = maps.data() + n * channels * plane;
  for (std::int64_t ch = 0; ch < channels; ++ch) {
    for (std::int64_t p = 0; p < plane; ++p) r[static_cast<std::size_t>(p)] += a[ch * plane + p];
  }
  return r;
}

/// r min-max scaled to [0,1]; a constant map gives all 0 (as display_map does).
inline std::vector<double> min_max_scaled(std::vector<double> r) {
  const auto [lo, hi] = std::minmax_element(r.begin(), r.end());
  const double low = *lo, range = *hi - *lo;
  for (double& v : r) v = range > 0.0 ? (v - low) / range : 0.0;
  return r;
}

/// Pixel indices by decreasing relevance, ties broken by increasing index.
inline std::vector<std::int64_t> order_by_relevance(const std::vector<double>& r) {
  std::vector<std::int64_t> order(r.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) {
    return r[static_cast<std::size_t>(a)] > r[static_cast<std::size_t>(b)];
  });
  return order;
}

/// The binary map of the ceil(percent/100 * P) most relevant pixels (at least one), ties broken
/// by index.
inline std::vector<bool> top_percent(const std::vector<double>& r, double percent) {
  const auto total = static_cast<std::int64_t>(r.size());
  auto k = static_cast<std::int64_t>(std::ceil(percent / 100.0 * static_cast<double>(total)));
  k = std::clamp<std::int64_t>(k, 1, total);
  const auto order = order_by_relevance(r);
  std::vector<bool> chosen(r.size(), false);
  for (std::int64_t i = 0; i < k; ++i) chosen[static_cast<std::size_t>(order[i])] = true;
  return chosen;
}

/// Pearson correlation of a and b; 0 when either is constant (the correlation is undefined).
inline double pearson(const std::vector<double>& a, const std::vector<double>& b) {
  const auto count = static_cast<double>(a.size());
  const double mean_a = std::accumulate(a.begin(), a.end(), 0.0) / count;
  const double mean_b = std::accumulate(b.begin(), b.end(), 0.0) / count;
  double ab = 0.0, aa = 0.0, bb = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    ab += (a[i] - mean_a) * (b[i] - mean_b);
    aa += (a[i] - mean_a) * (a[i] - mean_a);
    bb += (b[i] - mean_b) * (b[i] - mean_b);
  }
  if (aa <= 0.0 || bb <= 0.0) return 0.0;
  return std::clamp(ab / std::sqrt(aa * bb), -1.0, 1.0);
}

/// Ranks 1..n with ties given their average rank.
inline std::vector<double> average_ranks(const std::vector<double>& v) {
  std::vector<std::size_t> order(v.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return v[a] < v[b]; });
  std::vector<double> ranks(v.size());
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    while (j + 1 < order.size() && v[order[j + 1]] == v[order[i]]) ++j;
    const double rank = 0.5 * static_cast<double>(i + j) + 1.0;
    for (std::size_t k = i; k <= j; ++k) ranks[order[k]] = rank;
    i = j + 1;
  }
  return ranks;
}

/// The mean of `values` (0 for none).
inline double mean(const std::vector<double>& values) {
  if (values.empty()) return 0.0;
  return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

}  // namespace lumen::metrics
