#pragma once
// A ConvNeXt-like model built with the core's layers: Conv, a permute to channels-last, a layer
// norm over the channels, a ReduceMean over the width, a permute back, Conv, global average
// pooling and a Gemm.
#include <cstdint>
#include <lumen/model.hpp>

namespace lumen::testing {

/// Input [3, 5, 5], 4 classes; weights from `seed`; the layer norm's bias and the other layers'
/// biases only when `bias`. The layer norm's node is "ln", its input "to_nhwc".
Model layer_norm_net(std::uint64_t seed, bool bias);

}  // namespace lumen::testing
