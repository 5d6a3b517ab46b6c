#pragma once
#include "blas.hpp"

namespace lumen::cpu_blas {

/// Backend::gemm on validated arguments: C is cut into fixed tiles (the same whatever the thread
/// count), each computed by one single-threaded sgemm inside a oneTBB task, so every element of
/// C comes out of the same call with the same operands on 1 or many threads.
void tiled_gemm(bool transpose_a, bool transpose_b, Index m, Index n, Index k, float alpha,
                const float* a, Index lda, const float* b, Index ldb, float beta, float* c,
                Index ldc);

}  // namespace lumen::cpu_blas
