#pragma once
#include <string_view>

#include "blas.hpp"
#include "lumen/backend.hpp"

namespace lumen::cpu_blas {

// Argument checks run before any work; each throws InvalidArgument or ShapeError naming the
// kernel (e.g. "conv2d_forward"), the parameter and its value.

void validate_gemm(std::string_view kernel, bool transpose_a, bool transpose_b, Index m, Index n,
                   Index k, Index lda, Index ldb, Index ldc);
void validate_conv(std::string_view kernel, const Conv2dGeometry& g);
void validate_pool(std::string_view kernel, const Pool2dGeometry& g);

}  // namespace lumen::cpu_blas
