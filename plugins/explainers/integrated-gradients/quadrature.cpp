#include "quadrature.hpp"

#include <cmath>
#include <lumen/error.hpp>
#include <numbers>

namespace lumen::ig {

namespace {

// P_n(x) and P_n'(x) by the recurrence k P_k = (2k - 1) x P_{k-1} - (k - 1) P_{k-2}.
std::pair<double, double> legendre(int n, double x) {
  double p0 = 1.0, p1 = x;
  for (int k = 2; k <= n; ++k) {
    const double p2 = ((2.0 * k - 1.0) * x * p1 - (k - 1.0) * p0) / k;
    p0 = p1;
    p1 = p2;
  }
  const double derivative = n * (x * p1 - p0) / (x * x - 1.0);
  return {p1, derivative};
}

}  // namespace

Quadrature gauss_legendre(int n) {
  if (n < 1)
    throw InvalidArgument("gauss-legendre needs at least 1 point, got " + std::to_string(n));
  Quadrature q{std::vector<double>(n), std::vector<double>(n)};
  if (n == 1) {
    q.alphas[0] = 0.0;
    q.weights[0] = 2.0;
    return q;
  }
  for (int i = 0; i < n; ++i) {
    // Root i of P_n counted from +1 downwards; this guess lies close enough for Newton to converge
    // to it quadratically.
    double x = std::cos(std::numbers::pi * (i + 0.75) / (n + 0.5));
    for (int iteration = 0; iteration < 100; ++iteration) {
      const auto [p, dp] = legendre(n, x);
      const double step = p / dp;
      x -= step;
      if (std::fabs(step) < 1e-15) break;
    }
    const double derivative = legendre(n, x).second;
    const int slot = n - 1 - i;  // ascending order
    q.alphas[slot] = x;
    q.weights[slot] = 2.0 / ((1.0 - x * x) * derivative * derivative);
  }
  return q;
}

Quadrature quadrature(const std::string& name, int steps) {
  if (steps < 1) throw InvalidArgument("integrated-gradients: steps must be >= 1");
  const double n = steps;
  Quadrature q;
  if (name == "gauss-legendre") {
    q = gauss_legendre(steps);
    for (int k = 0; k < steps; ++k) {  // [-1,1] -> [0,1]
      q.alphas[k] = 0.5 * (q.alphas[k] + 1.0);
      q.weights[k] *= 0.5;
    }
    return q;
  }
  if (name == "riemann-trapezoid") {
    if (steps < 2) {
      throw InvalidArgument(
          "integrated-gradients: quadrature=riemann-trapezoid needs steps >= 2, got 1");
    }
    for (int k = 0; k < steps; ++k) {
      q.alphas.push_back(k / (n - 1.0));
      q.weights.push_back((k == 0 || k == steps - 1 ? 0.5 : 1.0) / (n - 1.0));
    }
    return q;
  }
  double offset = 0.0;
  if (name == "riemann-left") {
    offset = 0.0;
  } else if (name == "riemann-right") {
    offset = 1.0;
  } else if (name == "riemann-middle") {
    offset = 0.5;
  } else {
    throw InvalidArgument("integrated-gradients: unknown quadrature '" + name + "'");
  }
  for (int k = 0; k < steps; ++k) {
    q.alphas.push_back((k + offset) / n);
    q.weights.push_back(1.0 / n);
  }
  return q;
}

}  // namespace lumen::ig
