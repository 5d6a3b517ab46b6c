#include <catch2/catch.hpp>
#include <cmath>
#include <lumen/error.hpp>

#include "../quadrature.hpp"

using lumen::ig::gauss_legendre;
using lumen::ig::quadrature;

TEST_CASE("Gauss-Legendre nodes and weights match the tabulated values", "[integrated-gradients]") {
  // Abramowitz & Stegun, table 25.4 (closed forms for n = 2, 3).
  struct Row {
    int n;
    std::vector<double> nodes, weights;
  };
  const double s35 = std::sqrt(3.0 / 5.0), s13 = std::sqrt(1.0 / 3.0);
  const double a = std::sqrt(5.0 - 2.0 * std::sqrt(10.0 / 7.0)) / 3.0;
  const double b = std::sqrt(5.0 + 2.0 * std::sqrt(10.0 / 7.0)) / 3.0;
  const double wa = (322.0 + 13.0 * std::sqrt(70.0)) / 900.0;
  const double wb = (322.0 - 13.0 * std::sqrt(70.0)) / 900.0;
  const std::vector<Row> rows{
      {2, {-s13, s13}, {1.0, 1.0}},
      {3, {-s35, 0.0, s35}, {5.0 / 9.0, 8.0 / 9.0, 5.0 / 9.0}},
      {5, {-b, -a, 0.0, a, b}, {wb, wa, 128.0 / 225.0, wa, wb}},
  };
  for (const auto& row : rows) {
    const auto q = gauss_legendre(row.n);
    REQUIRE(q.alphas.size() == static_cast<std::size_t>(row.n));
    for (int i = 0; i < row.n; ++i) {
      CAPTURE(row.n, i);
      CHECK(q.alphas[i] == Approx(row.nodes[i]).margin(1e-14));
      CHECK(q.weights[i] == Approx(row.weights[i]).epsilon(1e-13));
    }
  }
}

TEST_CASE("Gauss-Legendre on [0,1] integrates polynomials of degree < 2n exactly",
          "[integrated-gradients]") {
  for (int n : {1, 4, 7, 50, 200}) {
    const auto q = quadrature("gauss-legendre", n);
    for (int degree : {0, 1, 2 * n - 1}) {
      double sum = 0.0;
      for (int k = 0; k < n; ++k) sum += q.weights[k] * std::pow(q.alphas[k], degree);
      CAPTURE(n, degree);
      CHECK(sum == Approx(1.0 / (degree + 1)).epsilon(1e-12));
    }
    for (int k = 1; k < n; ++k) CHECK(q.alphas[k - 1] < q.alphas[k]);
    CHECK(q.alphas.front() > 0.0);
    CHECK(q.alphas.back() < 1.0);
  }
}

TEST_CASE("Riemann rules place Captum's points", "[integrated-gradients]") {
  const int n = 4;
  const std::vector<std::pair<std::string, std::vector<double>>> expected{
      {"riemann-left", {0.0, 0.25, 0.5, 0.75}},
      {"riemann-right", {0.25, 0.5, 0.75, 1.0}},
      {"riemann-middle", {0.125, 0.375, 0.625, 0.875}},
      {"riemann-trapezoid", {0.0, 1.0 / 3.0, 2.0 / 3.0, 1.0}},
  };
  for (const auto& [name, alphas] : expected) {
    const auto q = quadrature(name, n);
    double total = 0.0;
    for (int k = 0; k < n; ++k) {
      CAPTURE(name, k);
      CHECK(q.alphas[k] == Approx(alphas[k]).margin(1e-15));
      total += q.weights[k];
    }
    CHECK(total == Approx(1.0).epsilon(1e-15));
  }
  const auto t = quadrature("riemann-trapezoid", n);
  CHECK(t.weights[0] == Approx(1.0 / 6.0));
  CHECK(t.weights[1] == Approx(1.0 / 3.0));
  CHECK_THROWS_WITH(quadrature("riemann-trapezoid", 1), Catch::Contains("steps >= 2"));
  CHECK_THROWS_AS(quadrature("simpson", 3), lumen::InvalidArgument);
}
