#pragma once
// Backward data of convolutions with few input channels, by a gemm and col2im (Note [narrow
// backward data]).
#include "lumen/backend.hpp"

namespace lumen::cpu_onednn {

/// Whether backward data of `g` goes through backward_data_by_gemm: one group, and fewer input
/// channels than a vector register holds (a first convolution on grey or RGB images).
bool is_narrow_backward_data(const Conv2dGeometry& g);
/// dx = col2im(W^T dy), sample by sample in oneTBB tasks; each sample's sums in a fixed order,
/// so the result does not depend on the thread count.
void backward_data_by_gemm(const Conv2dGeometry& g, const float* dy, const float* w, float* dx);

}  // namespace lumen::cpu_onednn
