#include "blas.hpp"

#include <cblas.h>

namespace lumen::cpu_blas {

// Note [one OpenBLAS thread]
// Parallelism comes from oneTBB tasks, whose count the caller fixes through its task_arena.
// OpenBLAS keeps a thread pool of its own that, by default, is as large as the machine: each
// sgemm issued from a TBB task would then fan out again, oversubscribing the cores and making
// the thread count depend on two independent settings. One OpenBLAS thread per call keeps the
// caller's arena the only knob. The setting is process-wide, which is what every lumen caller
// of BLAS (always inside TBB tasks) wants too.
void pin_openblas_to_one_thread() {
  static const bool pinned = [] {
    openblas_set_num_threads(1);
    return true;
  }();
  static_cast<void>(pinned);
}

void sgemm(bool transpose_a, bool transpose_b, Index m, Index n, Index k, float alpha,
           const float* a, Index lda, const float* b, Index ldb, float beta, float* c, Index ldc) {
  cblas_sgemm(CblasRowMajor, transpose_a ? CblasTrans : CblasNoTrans,
              transpose_b ? CblasTrans : CblasNoTrans, static_cast<blasint>(m),
              static_cast<blasint>(n), static_cast<blasint>(k), alpha, a, static_cast<blasint>(lda),
              b, static_cast<blasint>(ldb), beta, c, static_cast<blasint>(ldc));
}

}  // namespace lumen::cpu_blas
