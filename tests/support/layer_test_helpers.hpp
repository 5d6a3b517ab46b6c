#pragma once
// Small helpers shared by the layer tests.
#include <catch2/catch.hpp>
#include <cstdint>
#include <functional>
#include <string>

#include "lumen/tensor.hpp"

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

}  // namespace lumen::testing
