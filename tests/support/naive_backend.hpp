#pragma once
#include <memory>

#include "lumen/backend.hpp"

namespace lumen::testing {

/// A Backend written as plain textbook loops (single thread, double accumulation): the oracle
/// that optimised backends and the layers are tested against. info().name is "naive-test".
/// Average pooling divides by the number of window positions inside the input, or by
/// kernel_h * kernel_w when count_include_pad; a window without any input position yields 0.
std::shared_ptr<const Backend> naive_backend();

}  // namespace lumen::testing
