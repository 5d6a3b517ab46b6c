#pragma once
#include <memory>

#include "lumen/backend.hpp"

namespace lumen::cpu_naive {

/// The "cpu-naive" backend: every kernel as plain textbook loops (one thread, double
/// accumulation), with no library behind it. It is the reference that every other backend is
/// compared against and the last in the default order. Average pooling divides by the number of
/// window positions inside the input, or by kernel_h * kernel_w when count_include_pad; a window
/// without any input position yields 0. Stateless and thread-safe.
std::shared_ptr<const Backend> make_backend();

}  // namespace lumen::cpu_naive
