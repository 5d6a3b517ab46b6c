#include "lumen/plugin.hpp"

#include "cpu_onednn_backend.hpp"

namespace {

void register_cpu_onednn(lumen::Registrar& registrar) {
  registrar.add_backend(lumen::make_cpu_onednn_backend());
}

}  // namespace

LUMEN_PLUGIN("cpu-onednn", "0.1.0", register_cpu_onednn)
