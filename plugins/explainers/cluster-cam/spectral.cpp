#include "spectral.hpp"

#include <Eigen/Eigenvalues>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/connected_components.hpp>
#include <cmath>

namespace lumen::cluster_cam {
namespace {

using Graph =
    boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS, boost::no_property,
                          boost::property<boost::edge_weight_t, double>>;

Graph similarity_graph(const Points& p, const SpectralOptions& o) {
  Graph g(static_cast<std::size_t>(p.count));
  const double scale = 1.0 / static_cast<double>(p.dims);
  for (std::int64_t i = 0; i < p.count; ++i) {
    for (std::int64_t j = i + 1; j < p.count; ++j) {
      const double s = std::exp(-std::sqrt(squared_distance(p.row(i), p.row(j), p.dims) * scale));
      if (s > o.threshold) {
        boost::add_edge(static_cast<std::size_t>(i), static_cast<std::size_t>(j),
                        std::exp(-(1.0 - s) / o.tau), g);
      }
    }
  }
  return g;
}

}  // namespace

Embedding spectral_embedding(const Points& p, const SpectralOptions& o) {
  const Graph g = similarity_graph(p, o);
  const auto n = static_cast<Eigen::Index>(p.count);
  Eigen::MatrixXd adjacency = Eigen::MatrixXd::Zero(n, n);
  const auto weight = boost::get(boost::edge_weight, g);
  for (const auto e : boost::make_iterator_range(boost::edges(g))) {
    const auto i = static_cast<Eigen::Index>(boost::source(e, g));
    const auto j = static_cast<Eigen::Index>(boost::target(e, g));
    adjacency(i, j) = adjacency(j, i) = weight[e];
  }
  const Eigen::VectorXd degree = adjacency.rowwise().sum();
  Eigen::MatrixXd laplacian = Eigen::MatrixXd(degree.asDiagonal()) - adjacency;
  Eigen::VectorXd null_weight = Eigen::VectorXd::Ones(n);
  if (o.normalized) {
    // 1/sqrt(0) counts as 0: an isolated point's row and column vanish (a zero eigenvalue).
    const Eigen::VectorXd inv_sqrt =
        degree.unaryExpr([](double d) { return d > 0.0 ? 1.0 / std::sqrt(d) : 0.0; });
    laplacian = inv_sqrt.asDiagonal() * laplacian * inv_sqrt.asDiagonal();
    null_weight = degree.unaryExpr([](double d) { return d > 0.0 ? std::sqrt(d) : 1.0; });
  }

  std::vector<int> component(static_cast<std::size_t>(n));
  const int components = static_cast<int>(boost::connected_components(g, component.data()));
  // Component c's null vector; components are numbered in order of their smallest vertex.
  Eigen::MatrixXd basis(n, n);
  basis.leftCols(components).setZero();
  for (Eigen::Index i = 0; i < n; ++i)
    basis(i, component[static_cast<std::size_t>(i)]) = null_weight(i);
  for (int c = 0; c < components; ++c) basis.col(c).normalize();

  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(laplacian);
  // Eigenvalues ascend; the first `components` span the null space replaced above.
  basis.rightCols(n - components) = solver.eigenvectors().rightCols(n - components);

  Embedding e;
  e.components = components;
  e.coordinates.resize(static_cast<std::size_t>(n * o.eigenvectors));
  for (Eigen::Index i = 0; i < n; ++i)
    for (int k = 0; k < o.eigenvectors; ++k)
      e.coordinates[static_cast<std::size_t>(i * o.eigenvectors + k)] = basis(i, 1 + k);
  return e;
}

}  // namespace lumen::cluster_cam
