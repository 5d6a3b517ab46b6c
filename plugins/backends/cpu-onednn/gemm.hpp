#pragma once
#include "lumen/gemm_tiles.hpp"

namespace lumen::cpu_onednn {

/// Backend::gemm on checked arguments, by oneDNN's sgemm on one thread per tile
/// (run_gemm_in_tiles), so the result does not depend on the thread count.
void tiled_gemm(const GemmArgs& gemm);

}  // namespace lumen::cpu_onednn
