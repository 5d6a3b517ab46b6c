#pragma once
// A model built with the core's layers that resizes its feature maps: conv, ReLU, ConvTranspose
// (stride 2, padding 1, output padding 1, groups 2, dilation 2), ReLU, bilinear Resize by 0.5,
// conv, ReLU, nearest Upsample by 2, global average pooling and a dense classifier.
#include <cstdint>
#include <lumen/model.hpp>

namespace lumen::testing {

/// Input [4, 6, 6], 3 classes; weights from `seed`, biases only when `bias`.
Model upsampling_net(std::uint64_t seed, bool bias);

}  // namespace lumen::testing
