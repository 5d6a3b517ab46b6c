#pragma once
#include <cstdint>

#include "lumen/backend.hpp"

namespace lumen::cpu_blas {

// The Backend's pooling kernels on validated geometry: plain loops, one oneTBB task per (n, c)
// plane, so each output element is computed by one fixed sequence of operations.

void max_pool2d_forward(const Pool2dGeometry& g, const float* x, float* y, std::int32_t* argmax);
/// Throws InvalidArgument when a recorded winner lies outside its input plane.
void max_pool2d_backward(const Pool2dGeometry& g, const float* dy, const std::int32_t* argmax,
                         float* dx);
void avg_pool2d_forward(const Pool2dGeometry& g, const float* x, float* y);
void avg_pool2d_backward(const Pool2dGeometry& g, const float* dy, float* dx);

}  // namespace lumen::cpu_blas
