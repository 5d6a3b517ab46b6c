#include "ridge.hpp"

#include <cmath>
#include <lumen/error.hpp>
#include <string>

namespace lumen::lime {

std::vector<double> cholesky_solve(std::vector<double> a, std::vector<double> b) {
  const std::size_t n = b.size();
  // In place: the lower triangle of `a` becomes L with A = L L^T.
  for (std::size_t j = 0; j < n; ++j) {
    double pivot = a[j * n + j];
    for (std::size_t p = 0; p < j; ++p) pivot -= a[j * n + p] * a[j * n + p];
    if (!(pivot > 0.0)) {
      throw InvalidArgument("lime: the ridge system is not positive definite (pivot " +
                            std::to_string(pivot) + " at row " + std::to_string(j) + ")");
    }
    const double diagonal = std::sqrt(pivot);
    a[j * n + j] = diagonal;
    for (std::size_t i = j + 1; i < n; ++i) {
      double v = a[i * n + j];
      for (std::size_t p = 0; p < j; ++p) v -= a[i * n + p] * a[j * n + p];
      a[i * n + j] = v / diagonal;
    }
  }
  for (std::size_t i = 0; i < n; ++i) {  // L z = b
    for (std::size_t p = 0; p < i; ++p) b[i] -= a[i * n + p] * b[p];
    b[i] /= a[i * n + i];
  }
  for (std::size_t i = n; i-- > 0;) {  // L^T x = z
    for (std::size_t p = i + 1; p < n; ++p) b[i] -= a[p * n + i] * b[p];
    b[i] /= a[i * n + i];
  }
  return b;
}

std::vector<double> weighted_ridge(const std::vector<double>& x, const std::vector<double>& y,
                                   const std::vector<double>& w, std::int64_t k, double alpha) {
  const std::size_t rows = y.size();
  const auto kk = static_cast<std::size_t>(k);
  double total = 0.0, y_mean = 0.0;
  std::vector<double> x_mean(kk);
  for (std::size_t r = 0; r < rows; ++r) {
    total += w[r];
    y_mean += w[r] * y[r];
    for (std::size_t j = 0; j < kk; ++j) x_mean[j] += w[r] * x[r * kk + j];
  }
  y_mean /= total;
  for (double& m : x_mean) m /= total;
  std::vector<double> a(kk * kk), b(kk), centred(kk);
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t j = 0; j < kk; ++j) centred[j] = x[r * kk + j] - x_mean[j];
    for (std::size_t i = 0; i < kk; ++i) {
      b[i] += w[r] * centred[i] * (y[r] - y_mean);
      for (std::size_t j = 0; j <= i; ++j) a[i * kk + j] += w[r] * centred[i] * centred[j];
    }
  }
  for (std::size_t i = 0; i < kk; ++i) {
    a[i * kk + i] += alpha;
    for (std::size_t j = 0; j < i; ++j) a[j * kk + i] = a[i * kk + j];
  }
  try {
    return cholesky_solve(std::move(a), std::move(b));
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(std::string(e.what()) +
                          ": some segment never changed across the samples; raise 'alpha' (" +
                          std::to_string(alpha) + ") or 'samples'");
  }
}

}  // namespace lumen::lime
