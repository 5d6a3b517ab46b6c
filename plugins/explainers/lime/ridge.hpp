#pragma once
// Weighted ridge regression with an unpenalised intercept, solved through a small Cholesky
// factorisation (k x k, k = the number of segments).
#include <cstdint>
#include <vector>

namespace lumen::lime {

/// Solves A x = b for a symmetric positive definite A (row-major n x n) by Cholesky. Throws
/// InvalidArgument when A is not positive definite (a pivot <= 0).
std::vector<double> cholesky_solve(std::vector<double> a, std::vector<double> b);

/// The coefficients beta minimising sum_r w_r (y_r - beta0 - x_r . beta)^2 + alpha |beta|^2 over
/// rows x_r of `x` (row-major, rows x k): the weighted means are removed from x and y (which
/// handles the intercept, as scikit-learn's Ridge does with sample weights), then
/// (Xc^T W Xc + alpha I) beta = Xc^T W yc. Throws InvalidArgument naming 'alpha' when that system
/// is singular.
std::vector<double> weighted_ridge(const std::vector<double>& x, const std::vector<double>& y,
                                   const std::vector<double>& w, std::int64_t k, double alpha);

}  // namespace lumen::lime
