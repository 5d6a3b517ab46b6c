#pragma once
#include <cstdint>

namespace lumen::cpu_blas {

using Index = std::int64_t;

/// Makes OpenBLAS run every call on the calling thread. See Note [one OpenBLAS thread].
void pin_openblas_to_one_thread();

/// One row-major cblas_sgemm call on the calling thread: C = alpha op(A) op(B) + beta C.
/// Sizes and strides must fit a BLAS int (checked by the callers' validation).
void sgemm(bool transpose_a, bool transpose_b, Index m, Index n, Index k, float alpha,
           const float* a, Index lda, const float* b, Index ldb, float beta, float* c, Index ldc);

}  // namespace lumen::cpu_blas
