// K-means and the spectral embedding on point sets with a known answer.
#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <set>
#include <utility>
#include <vector>

#include "../kmeans.hpp"
#include "../spectral.hpp"

using namespace lumen::cluster_cam;

namespace {

// `groups` blobs of `per_group` points in `dims` dimensions: blob g centred at 10*g on every
// axis with uniform noise of +-0.5, points interleaved (point i belongs to blob i % groups).
std::vector<double> blobs(int groups, int per_group, int dims, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> noise(-0.5, 0.5);
  std::vector<double> p;
  for (int i = 0; i < groups * per_group; ++i)
    for (int d = 0; d < dims; ++d) p.push_back(10.0 * (i % groups) + noise(rng));
  return p;
}

// Whether `labels` split the points exactly as i % groups does (up to renaming).
bool recovers_blobs(const std::vector<int>& labels, int groups) {
  for (std::size_t i = 0; i < labels.size(); ++i)
    for (std::size_t j = 0; j < labels.size(); ++j)
      if ((labels[i] == labels[j]) != (i % groups == j % groups)) return false;
  return true;
}

}  // namespace

TEST_CASE("k-means recovers well-separated blobs and numbers clusters by first member",
          "[cluster-cam][kmeans]") {
  for (std::uint64_t seed : {1U, 2U, 3U, 4U, 5U}) {
    for (int groups : {2, 3, 5}) {
      const auto p = blobs(groups, 7, 4, seed);
      std::mt19937_64 rng(seed);
      const auto r = kmeans(Points{p.data(), groups * 7, 4}, groups, 100, rng);
      CHECK(recovers_blobs(r.labels, groups));
      CHECK(r.converged);
      for (int g = 0; g < groups; ++g) CHECK(r.labels[static_cast<std::size_t>(g)] == g);
      // The centroids are the blob means (blob g lies within 0.5 of 10 g on every axis).
      for (int g = 0; g < groups; ++g) CHECK(std::abs(r.centroids[g * 4] - 10.0 * g) < 0.5);
    }
  }
}

TEST_CASE("k-means is a function of its random engine", "[cluster-cam][kmeans]") {
  const auto p = blobs(4, 10, 3, 9);
  // Overlapping blobs: cluster 4 groups into 3, where the seeding matters.
  std::mt19937_64 a(7), b(7);
  const auto ra = kmeans(Points{p.data(), 40, 3}, 3, 100, a);
  const auto rb = kmeans(Points{p.data(), 40, 3}, 3, 100, b);
  CHECK(ra.labels == rb.labels);
  CHECK(ra.centroids == rb.centroids);
}

TEST_CASE("k-means with as many clusters as points puts each point alone",
          "[cluster-cam][kmeans]") {
  const auto p = blobs(3, 3, 2, 4);
  std::mt19937_64 rng(1);
  const auto r = kmeans(Points{p.data(), 9, 2}, 9, 100, rng);
  CHECK(r.converged);
  for (int i = 0; i < 9; ++i) CHECK(r.labels[static_cast<std::size_t>(i)] == i);
}

TEST_CASE("k-means on duplicate points leaves surplus clusters empty instead of cycling",
          "[cluster-cam][kmeans]") {
  // Six points, only three distinct values; ask for five clusters.
  const std::vector<double> p{0, 0, 1, 1, 5, 5};
  std::mt19937_64 rng(3);
  const auto r = kmeans(Points{p.data(), 6, 1}, 5, 100, rng);
  CHECK(r.converged);
  const std::set<int> used(r.labels.begin(), r.labels.end());
  CHECK(used == std::set<int>{0, 1, 2});
  CHECK(r.labels == std::vector<int>{0, 0, 1, 1, 2, 2});
}

TEST_CASE("k-means stops at its iteration cap and says so", "[cluster-cam][kmeans]") {
  const auto p = blobs(4, 20, 2, 11);
  std::mt19937_64 rng(5);
  const auto r = kmeans(Points{p.data(), 80, 2}, 4, 1, rng);
  CHECK(r.iterations == 1);
  CHECK_FALSE(r.converged);
}

TEST_CASE("the spectral embedding separates two groups of maps, Laplacian plain or normalised",
          "[cluster-cam][spectral]") {
  // Two groups of 0/1 "maps" of 16 pixels: group 0 lit on the left half, group 1 on the right,
  // each map with one pixel flipped. Within a group rms distance <= 0.5, across >= 0.85.
  std::vector<double> maps;
  for (int i = 0; i < 10; ++i) {
    for (int px = 0; px < 16; ++px) {
      const bool left = px % 4 < 2;
      double v = (i % 2 == 0) == left ? 1.0 : 0.0;
      if (px == i) v = 1.0 - v;
      maps.push_back(v);
    }
  }
  // Threshold 0.5 keeps only within-group edges (two components); 0.3 joins the groups weakly.
  for (const auto& [threshold, components] : {std::pair{0.5, 2}, std::pair{0.3, 1}}) {
    for (bool normalized : {false, true}) {
      SpectralOptions o;
      o.threshold = threshold;
      o.tau = 0.1;
      o.normalized = normalized;
      o.eigenvectors = 1;
      const Embedding e = spectral_embedding(Points{maps.data(), 10, 16}, o);
      CHECK(e.components == components);
      std::mt19937_64 rng(1);
      const auto r = kmeans(Points{e.coordinates.data(), 10, 1}, 2, 100, rng);
      CHECK(recovers_blobs(r.labels, 2));
    }
  }
}

TEST_CASE("a disconnected similarity graph is handled: each component gets its own coordinates",
          "[cluster-cam][spectral]") {
  // Three far-apart groups and one isolated point: with threshold 0.9 no edge joins groups, and
  // the isolated point has degree 0 (which the normalised Laplacian must survive).
  std::vector<double> p;
  const double centres[] = {0.0, 5.0, 10.0};
  for (int i = 0; i < 9; ++i)
    for (int d = 0; d < 4; ++d) p.push_back(centres[i % 3] + 0.01 * ((i * 7 + d) % 5));
  for (int d = 0; d < 4; ++d) p.push_back(50.0);
  for (bool normalized : {false, true}) {
    SpectralOptions o;
    o.threshold = 0.9;
    o.tau = 0.1;
    o.normalized = normalized;
    o.eigenvectors = 3;
    const Embedding e = spectral_embedding(Points{p.data(), 10, 4}, o);
    CHECK(e.components == 4);
    for (double v : e.coordinates) CHECK(std::isfinite(v));
    std::mt19937_64 rng(2);
    const auto r = kmeans(Points{e.coordinates.data(), 10, 3}, 4, 100, rng);
    for (int i = 0; i < 9; ++i) CHECK(r.labels[static_cast<std::size_t>(i)] == i % 3);
    CHECK(r.labels[9] == 3);
  }
  SpectralOptions none;
  none.threshold = 1.0;  // S_ij > 1 never holds: no edges at all
  none.eigenvectors = 2;
  const Embedding empty = spectral_embedding(Points{p.data(), 10, 4}, none);
  CHECK(empty.components == 10);
  for (double v : empty.coordinates) CHECK(std::isfinite(v));
}
