#pragma once
#include <memory>

#include "lumen/backend.hpp"

namespace lumen {

/// The "cpu-onednn" backend: the three convolution kernels on oneDNN (the library PyTorch uses on
/// the CPU), in the blocked layouts it prefers, with primitives cached per geometry, run as oneTBB
/// tasks (Note [oneDNN on lumen's threads]). Other kernels are left to the next backend of the
/// chain. Thread-safe.
std::shared_ptr<const Backend> make_cpu_onednn_backend();

}  // namespace lumen
