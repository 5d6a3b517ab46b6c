#pragma once
// Small helpers shared by the layer tests.
#include <catch2/catch.hpp>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>

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

}  // namespace lumen::testing
