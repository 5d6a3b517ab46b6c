#pragma once
#include "lumen/backend.hpp"

namespace lumen::cpu_blas {

// The Backend's convolution kernels on validated geometry: im2col and single-threaded sgemm per
// sample and group, split into oneTBB tasks of a fixed size so that results do not depend on the
// number of threads. Each task owns the im2col buffer it needs (a slice of one sample's group).

void conv2d_forward(const Conv2dGeometry& g, const float* x, const float* w, const float* bias,
                    float* y);
void conv2d_backward_data(const Conv2dGeometry& g, const float* dy, const float* w, float* dx);
void conv2d_backward_weights(const Conv2dGeometry& g, const float* x, const float* dy, float* dw,
                             float* db);

}  // namespace lumen::cpu_blas
