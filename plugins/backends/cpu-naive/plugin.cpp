#include "lumen/plugin.hpp"

#include "cpu_naive_backend.hpp"

namespace {

void register_cpu_naive(lumen::Registrar& registrar) {
  registrar.add_backend(lumen::cpu_naive::make_backend());
}

}  // namespace

LUMEN_PLUGIN("cpu-naive", "0.1.0", register_cpu_naive)
