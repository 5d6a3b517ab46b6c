#pragma once
// The spectral embedding of Cluster-CAM's feature maps: a thresholded similarity graph, its
// Laplacian and the Laplacian's leading non-trivial eigenvectors as coordinates.
#include <cstdint>
#include <vector>

#include "kmeans.hpp"

namespace lumen::cluster_cam {

struct SpectralOptions {
  double threshold = 0.0;   ///< kappa: an edge joins i and j only where S_ij > kappa
  double tau = 1.0;         ///< A_ij = exp(-(1 - S_ij) / tau)
  bool normalized = false;  ///< I - D^-1/2 A D^-1/2 instead of D - A
  int eigenvectors = 1;     ///< E: coordinates u_2 .. u_{E+1}
};

struct Embedding {
  std::vector<double> coordinates;  ///< [points, eigenvectors], row-major
  int components = 0;               ///< connected components of the similarity graph
};

/// S_ij = exp(-d_ij), d_ij the root-mean-square difference of points i and j (the Euclidean
/// distance over sqrt(dims), so kappa and tau mean the same at every map size). The graph has no
/// self-loops. A graph of c components has c zero eigenvalues whose eigenvectors any solver may
/// mix; they are replaced by the components' own null vectors (1 on a component for D - A,
/// D^1/2 1 for the normalised form; an isolated point has degree 0 and its own unit vector), in
/// order of each component's smallest point, and the first of all basis vectors is skipped.
/// Requires 1 <= eigenvectors < points.count.
Embedding spectral_embedding(const Points& points, const SpectralOptions& options);

}  // namespace lumen::cluster_cam
