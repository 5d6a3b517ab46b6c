#pragma once
// Sums and products of sizes that may come from a file (dimensions, pads, dilations, strides):
// a result beyond 64 bits is a ShapeError, never a wrapped value that later checks would pass
// (internal to the core library).
#include <cstdint>

#include "lumen/error.hpp"

namespace lumen {

/// a + b; throws ShapeError(message()) when it does not fit in std::int64_t.
template <typename Message>
std::int64_t checked_add(std::int64_t a, std::int64_t b, Message message) {
  std::int64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum)) throw ShapeError(message() + " exceeds 2^63 - 1");
  return sum;
}

/// a * b; throws ShapeError(message()) when it does not fit in std::int64_t.
template <typename Message>
std::int64_t checked_mul(std::int64_t a, std::int64_t b, Message message) {
  std::int64_t product = 0;
  if (__builtin_mul_overflow(a, b, &product)) throw ShapeError(message() + " exceeds 2^63 - 1");
  return product;
}

/// dilation * (kernel - 1) + 1, the span of a window of `kernel` taps `dilation` apart, for
/// kernel >= 1 and dilation >= 1; throws ShapeError(message()) when it does not fit.
template <typename Message>
std::int64_t window_extent(std::int64_t kernel, std::int64_t dilation, Message message) {
  return checked_add(checked_mul(dilation, kernel - 1, message), 1, message);
}

}  // namespace lumen
