#pragma once
// A ConvNeXt-like model built with the core's layers: Conv, a permute to channels-last, a layer
// norm over the channels, a ReduceMean over the width, a permute back, Conv, global average
// pooling and a Gemm.
#include <cstdint>
#include <lumen/model.hpp>
#include <lumen/tensor.hpp>

namespace lumen::testing {

/// Input [3, 5, 5], 4 classes; weights from `seed`; the layer norm's bias and the other layers'
/// biases only when `bias`. The layer norm's node is "ln", its input "to_nhwc".
Model layer_norm_net(std::uint64_t seed, bool bias);

/// The layer norm of x over groups of n consecutive values, by the definition (in double): scale
/// and bias (null: none) repeat with their own size along each group.
Tensor layer_norm_by_definition(const Tensor& x, std::int64_t n, const Tensor& scale,
                                const Tensor* bias, double epsilon);

}  // namespace lumen::testing
