#include "kmeans.hpp"

#include <algorithm>
#include <limits>

namespace lumen::cluster_cam {
namespace {

std::vector<double> plus_plus_seeds(const Points& p, int clusters, std::mt19937_64& rng) {
  const auto dims = p.dims;
  std::vector<double> centres;
  std::vector<bool> chosen(static_cast<std::size_t>(p.count), false);
  const auto take = [&](std::int64_t i) {
    chosen[static_cast<std::size_t>(i)] = true;
    centres.insert(centres.end(), p.row(i), p.row(i) + dims);
  };
  take(std::uniform_int_distribution<std::int64_t>(0, p.count - 1)(rng));
  std::vector<double> nearest(static_cast<std::size_t>(p.count),
                              std::numeric_limits<double>::infinity());
  for (int c = 1; c < clusters; ++c) {
    const double* last = centres.data() + (c - 1) * dims;
    double total = 0.0;
    for (std::int64_t i = 0; i < p.count; ++i) {
      auto& d = nearest[static_cast<std::size_t>(i)];
      d = std::min(d, squared_distance(p.row(i), last, dims));
      total += d;
    }
    std::int64_t pick = -1;
    if (total > 0.0) {
      double u = std::uniform_real_distribution<double>(0.0, total)(rng);
      for (std::int64_t i = 0; i < p.count; ++i) {
        const double d = nearest[static_cast<std::size_t>(i)];
        if (d > 0.0) pick = i;  // the last point with weight, should rounding exhaust u
        if (d > 0.0 && (u -= d) < 0.0) break;
      }
    } else {
      pick = static_cast<std::int64_t>(std::find(chosen.begin(), chosen.end(), false) -
                                       chosen.begin());
    }
    take(pick);
  }
  return centres;
}

int nearest_centre(const double* x, const std::vector<double>& centres, int clusters,
                   std::int64_t dims) {
  int best = 0;
  double best_d = std::numeric_limits<double>::infinity();
  for (int c = 0; c < clusters; ++c) {
    const double d = squared_distance(x, centres.data() + c * dims, dims);
    if (d < best_d) best = c, best_d = d;
  }
  return best;
}

// Renumbers clusters by their smallest member (empty ones last, in their old order).
void canonical_numbering(KMeansResult& r, int clusters, std::int64_t dims) {
  std::vector<int> order;
  for (const int l : r.labels)
    if (std::find(order.begin(), order.end(), l) == order.end()) order.push_back(l);
  for (int c = 0; c < clusters; ++c)
    if (std::find(order.begin(), order.end(), c) == order.end()) order.push_back(c);
  std::vector<int> new_label(static_cast<std::size_t>(clusters));
  std::vector<double> centroids(r.centroids.size());
  for (int q = 0; q < clusters; ++q) {
    new_label[static_cast<std::size_t>(order[static_cast<std::size_t>(q)])] = q;
    std::copy_n(r.centroids.begin() + order[static_cast<std::size_t>(q)] * dims, dims,
                centroids.begin() + q * dims);
  }
  for (int& l : r.labels) l = new_label[static_cast<std::size_t>(l)];
  r.centroids = std::move(centroids);
}

}  // namespace

double squared_distance(const double* a, const double* b, std::int64_t dims) {
  double s = 0.0;
  for (std::int64_t d = 0; d < dims; ++d) s += (a[d] - b[d]) * (a[d] - b[d]);
  return s;
}

KMeansResult kmeans(const Points& p, int clusters, int max_iterations, std::mt19937_64& rng) {
  const auto dims = p.dims;
  KMeansResult r;
  r.centroids = plus_plus_seeds(p, clusters, rng);
  r.labels.assign(static_cast<std::size_t>(p.count), -1);
  while (r.iterations < max_iterations) {
    ++r.iterations;
    bool changed = false;
    for (std::int64_t i = 0; i < p.count; ++i) {
      const int c = nearest_centre(p.row(i), r.centroids, clusters, dims);
      changed = changed || c != r.labels[static_cast<std::size_t>(i)];
      r.labels[static_cast<std::size_t>(i)] = c;
    }
    if (!changed) {
      r.converged = true;
      break;
    }
    std::vector<double> sums(static_cast<std::size_t>(clusters * dims), 0.0);
    std::vector<std::int64_t> sizes(static_cast<std::size_t>(clusters), 0);
    for (std::int64_t i = 0; i < p.count; ++i) {
      const int c = r.labels[static_cast<std::size_t>(i)];
      ++sizes[static_cast<std::size_t>(c)];
      for (std::int64_t d = 0; d < dims; ++d)
        sums[static_cast<std::size_t>(c * dims + d)] += p.row(i)[d];
    }
    for (int c = 0; c < clusters; ++c) {
      const auto size = sizes[static_cast<std::size_t>(c)];
      if (size == 0) continue;
      for (std::int64_t d = 0; d < dims; ++d)
        r.centroids[static_cast<std::size_t>(c * dims + d)] =
            sums[static_cast<std::size_t>(c * dims + d)] / static_cast<double>(size);
    }
    for (int c = 0; c < clusters; ++c) {
      if (sizes[static_cast<std::size_t>(c)] != 0) continue;
      std::int64_t farthest = -1;
      double far_d = 0.0;
      for (std::int64_t i = 0; i < p.count; ++i) {
        const int own = r.labels[static_cast<std::size_t>(i)];
        if (sizes[static_cast<std::size_t>(own)] < 2) continue;  // would empty another cluster
        const double d = squared_distance(p.row(i), r.centroids.data() + own * dims, dims);
        if (d > far_d) farthest = i, far_d = d;
      }
      if (farthest < 0) continue;
      --sizes[static_cast<std::size_t>(r.labels[static_cast<std::size_t>(farthest)])];
      ++sizes[static_cast<std::size_t>(c)];
      r.labels[static_cast<std::size_t>(farthest)] = c;
      std::copy_n(p.row(farthest), dims, r.centroids.begin() + c * dims);
    }
  }
  canonical_numbering(r, clusters, dims);
  return r;
}

}  // namespace lumen::cluster_cam
