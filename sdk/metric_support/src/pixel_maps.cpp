#include "lumen/metric_support/pixel_maps.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace lumen::metric_support {

std::vector<double> pixel_relevance(const Tensor& maps, std::int64_t n) {
  const std::int64_t channels = maps.dim(1), plane = maps.dim(2) * maps.dim(3);
  std::vector<double> r(static_cast<std::size_t>(plane), 0.0);
  const float* a = maps.data() + n * channels * plane;
  for (std::int64_t ch = 0; ch < channels; ++ch) {
    for (std::int64_t p = 0; p < plane; ++p) r[static_cast<std::size_t>(p)] += a[ch * plane + p];
  }
  return r;
}

std::vector<double> min_max_scaled(std::vector<double> r) {
  const auto [lo, hi] = std::minmax_element(r.begin(), r.end());
  const double low = *lo, range = *hi - *lo;
  for (double& v : r) v = range > 0.0 ? (v - low) / range : 0.0;
  return r;
}

std::vector<std::int64_t> order_by_relevance(const std::vector<double>& r) {
  std::vector<std::int64_t> order(r.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) {
    return r[static_cast<std::size_t>(a)] > r[static_cast<std::size_t>(b)];
  });
  return order;
}

std::vector<bool> top_percent(const std::vector<double>& r, double percent) {
  const auto total = static_cast<std::int64_t>(r.size());
  auto k = static_cast<std::int64_t>(std::ceil(percent / 100.0 * static_cast<double>(total)));
  k = std::clamp<std::int64_t>(k, 1, total);
  const auto order = order_by_relevance(r);
  std::vector<bool> chosen(r.size(), false);
  for (std::int64_t i = 0; i < k; ++i) chosen[static_cast<std::size_t>(order[i])] = true;
  return chosen;
}

double pearson(const std::vector<double>& a, const std::vector<double>& b) {
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

std::vector<double> average_ranks(const std::vector<double>& v) {
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

double mean(const std::vector<double>& values) {
  if (values.empty()) return 0.0;
  return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

}  // namespace lumen::metric_support
