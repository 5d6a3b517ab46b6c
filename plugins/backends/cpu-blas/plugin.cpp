#include "lumen/plugin.hpp"

#include <memory>

#include "cpu_blas_backend.hpp"

namespace {

void register_cpu_blas(lumen::Registrar& registrar) {
  // Making the backend pins OpenBLAS to one thread, once, before any kernel runs.
  registrar.add_backend(lumen::make_cpu_blas_backend());
}

}  // namespace

LUMEN_PLUGIN("cpu-blas", "0.1.0", register_cpu_blas)
