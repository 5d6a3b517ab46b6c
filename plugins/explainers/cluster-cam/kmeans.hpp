#pragma once
// K-means on the rows of a matrix: K-means++ seeding, then Lloyd's iterations until no point
// changes cluster. Pure functions of their arguments (the random engine included).
#include <cstdint>
#include <random>
#include <vector>

namespace lumen::cluster_cam {

/// `count` points of `dims` coordinates, row-major.
struct Points {
  const double* data;
  std::int64_t count;
  std::int64_t dims;
  const double* row(std::int64_t i) const { return data + i * dims; }
};

struct KMeansResult {
  std::vector<int> labels;        ///< cluster of each point, clusters numbered in order of
                                  ///< their smallest member (empty clusters last)
  std::vector<double> centroids;  ///< [clusters, dims], in the same numbering
  int iterations = 0;             ///< assignment rounds run
  bool converged = false;         ///< whether the last round changed no label
};

/// Clusters `points` into `clusters` groups (1 <= clusters <= points.count). Seeding: the first
/// centre uniformly, each next one with probability proportional to the squared distance to the
/// nearest chosen centre (the lowest-index unchosen point when every distance is 0). Ties go to
/// the lower cluster. A cluster left empty takes the point farthest from its centroid, when that
/// distance is not 0; otherwise it keeps its centroid and stays empty.
KMeansResult kmeans(const Points& points, int clusters, int max_iterations, std::mt19937_64& rng);

/// Squared Euclidean distance of two rows of `dims` coordinates.
double squared_distance(const double* a, const double* b, std::int64_t dims);

}  // namespace lumen::cluster_cam
