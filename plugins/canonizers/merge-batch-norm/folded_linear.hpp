#pragma once
// A Conv or Gemm layer with the per-channel affine map of a batch-norm after it folded in.
#include <lumen/layer.hpp>
#include <memory>
#include <vector>

namespace lumen::merge_batch_norm {

/// The layer computing scale_c * (W x + b)_c + shift_c as one linear layer with weights
/// scale_c W_c and bias `bias`_c (= scale_c b_c + shift_c), for every weight transform the rules
/// use. `inner` is the original linear layer; `scale` and `bias` have one value per output
/// channel (axis 1).
std::shared_ptr<const Layer> make_folded_linear(std::shared_ptr<const Layer> inner,
                                                std::vector<float> scale, std::vector<float> bias);

}  // namespace lumen::merge_batch_norm
