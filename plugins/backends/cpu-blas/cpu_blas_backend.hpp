#pragma once
#include <memory>

#include "lumen/backend.hpp"

namespace lumen {

/// The "cpu-blas" backend: im2col + OpenBLAS sgemm convolutions, tiled sgemm and plain
/// pooling loops, parallel with oneTBB in the caller's task_arena; results are bit-identical
/// whatever the thread count. Making one sets OpenBLAS to one thread per call, process-wide
/// (see Note [one OpenBLAS thread] in blas.cpp). The backend is stateless and thread-safe.
std::shared_ptr<const Backend> make_cpu_blas_backend();

}  // namespace lumen
