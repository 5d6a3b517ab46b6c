#pragma once
// Quadrature rules on [0,1] for Integrated Gradients: the points alpha_k at which the gradient is
// taken and the weights it is summed with (Captum's conventions for the names and the points).
#include <string>
#include <vector>

namespace lumen::ig {

struct Quadrature {
  std::vector<double> alphas;
  std::vector<double> weights;
};

/// Gauss-Legendre nodes (ascending) and weights on [-1,1] for n points, by Newton's method on
/// the Legendre polynomial P_n (three-term recurrence); exact for polynomials of degree < 2n.
Quadrature gauss_legendre(int n);

/// The rule `name` (riemann-left, riemann-right, riemann-middle, riemann-trapezoid,
/// gauss-legendre) with `steps` points on [0,1]. Throws InvalidArgument for an unknown name or
/// for trapezoid with fewer than 2 steps.
Quadrature quadrature(const std::string& name, int steps);

}  // namespace lumen::ig
