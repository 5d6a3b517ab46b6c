#pragma once
// Small helpers shared by the layer tests.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "gradcheck.hpp"
#include "lumen/layer.hpp"
#include "lumen/tensor.hpp"
#include "naive_backend.hpp"

namespace lumen::testing {

/// The message of the exception of type E that `f` throws; fails the test if it throws none.
template <class E>
std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  FAIL("no exception of the expected type was thrown");
  return {};
}

/// A tensor of `shape` holding 0, 1, 2, ... in row-major order.
inline Tensor iota(Shape shape) {
  Tensor t(std::move(shape));
  for (std::int64_t i = 0; i < t.size(); ++i) t[i] = static_cast<float>(i);
  return t;
}

/// Checks the backward of a single-input layer that is linear in its input (Transpose, axis
/// selection) at x on the naive backend: against finite differences (upstream from seed + 100)
/// and as the adjoint of the forward, <T x, g> = <x, T^T g>, for a random g (from seed + 7).
/// Returns g and the input gradient T^T g, for further checks.
inline std::pair<Tensor, Tensor> check_linear_backward(const Layer& layer, const Tensor& x,
                                                       std::uint64_t seed) {
  GradcheckOptions options;
  options.seed = seed + 100;
  const auto result = check_layer_gradient(layer, {x}, *naive_backend(), options);
  INFO(result.report);
  CHECK(result.ok);
  const Tensor y = forward_of(layer, {x}, *naive_backend());
  Tensor g = random_tensor(y.shape(), seed + 7);
  const Tensor* refs[] = {&x};
  auto grads = layer.backward(refs, y, nullptr, g, *naive_backend());
  REQUIRE(grads.size() == 1);
  CHECK(grads[0].shape() == x.shape());
  CHECK(dot(grads[0], x) == Approx(dot(y, g)).epsilon(1e-6));
  return {std::move(g), std::move(grads[0])};
}

/// Checks that a LinearLayer applies each weight transform to the entries of its implicit matrix
/// A (read off forward_with on unit inputs, without bias): forward_with(x, t) = t(A) x and
/// backward_with(g, t) = t(A)^T g, where t changes only the non-zero entries (a zero entry is no
/// connection). For small layers: A has (input size) x (output size) entries.
inline void check_transformed_weights(const LinearLayer& layer, const Shape& input,
                                      std::uint64_t seed) {
  using Kind = WeightTransform::Kind;
  const auto& b = *naive_backend();
  const auto in_size = element_count(input);
  std::vector<Tensor> columns;
  for (std::int64_t i = 0; i < in_size; ++i) {
    Tensor unit(input);
    unit[i] = 1.0F;
    columns.push_back(layer.forward_with(unit, {}, false, b));
  }
  const Tensor x = random_tensor(input, seed);
  const Tensor g = random_tensor(columns.front().shape(), seed + 1);
  for (const WeightTransform t : {WeightTransform{Kind::identity, 0},
                                  {Kind::positive, 0},
                                  {Kind::negative, 0},
                                  {Kind::gamma, 0.25F},
                                  {Kind::square, 0},
                                  {Kind::flat, 0}}) {
    INFO("transform " << static_cast<int>(t.kind));
    const Tensor y = layer.forward_with(x, t, false, b);
    const Tensor dx = layer.backward_with(g, input, t, b);
    std::vector<double> expected_y(static_cast<std::size_t>(y.size()));
    double worst_y = 0.0, worst_dx = 0.0;
    for (std::int64_t i = 0; i < in_size; ++i) {
      double expected_dx = 0.0;
      for (std::int64_t o = 0; o < y.size(); ++o) {
        const float a = columns[static_cast<std::size_t>(i)][o];
        if (a == 0.0F) continue;
        expected_y[static_cast<std::size_t>(o)] += double(t(a)) * x[i];
        expected_dx += double(t(a)) * g[o];
      }
      worst_dx = std::max(worst_dx, std::abs(expected_dx - dx[i]));
    }
    for (std::int64_t o = 0; o < y.size(); ++o) {
      worst_y = std::max(worst_y, std::abs(expected_y[static_cast<std::size_t>(o)] - y[o]));
    }
    CHECK(worst_y < 1e-5);
    CHECK(worst_dx < 1e-5);
  }
}

}  // namespace lumen::testing
