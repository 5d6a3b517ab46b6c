#pragma once
// Small seeded CNNs covering the layers incremental occlusion recomputes locally (and some it
// does not), with geometries that put cones at borders, corners and strided gaps.
#include <cstdint>
#include <lumen/model.hpp>

namespace lumen::testing {

/// [N,4,20,18] -> Conv 3x3 pad 1 -> ReLU -> Conv 3x3 stride 2, pads 1,0,2,1, 2 groups ->
/// LeakyRelu -> Conv 3x3 dilation 2 pad 2 -> BatchNormalization -> Sigmoid -> Conv 1x1 stride 2
/// (skips rows and columns) -> Tanh -> Flatten -> Linear (->5).
Model strided_conv_net(std::uint64_t seed);
/// [N,3,19,17] -> Conv 3x3 pad 1 -> ReLU -> MaxPool 3x3/2 pad 1 -> AveragePool 3x3/2 pad 1 ceil
/// mode (count_include_pad as given) -> MaxPool 2x2/1 dilation 2 pad 1 -> AveragePool 2x2/1 pad
/// 0,1,1,0 (count_include_pad as given) -> Flatten -> Linear (->4).
Model pooling_net(std::uint64_t seed, bool count_include_pad);
/// [N,3,16,16] -> Conv 3x3 pad 1 -> BatchNormalization -> ReLU -> LRN -> Dropout (identity) ->
/// (Conv 3x3 pad 1 -> Tanh) + Conv 1x1 -> Concat with the Dropout's output -> Conv 3x3/2 pad 1
/// -> ReLU -> Pad 1 (not local) -> Conv 3x3 -> GlobalAveragePool -> Flatten -> Linear (->3).
Model mixed_net(std::uint64_t seed);
/// [N,3,32,32] -> 3 x (Conv 3x3 pad 1 (8 channels) -> ReLU) -> GlobalAveragePool -> Flatten ->
/// Linear (->4): small windows change little of it.
Model deep_conv_net(std::uint64_t seed);

}  // namespace lumen::testing
