#pragma once
/// Small seeded models built directly from core layers, on which the conformance suite (and
/// lumen's own tests) run explainers, rules and metrics. Weights are random (normal, scaled by
/// 1/sqrt(fan-in)); `bias` false makes every linear layer bias-free (where LRP-0/epsilon conserve
/// relevance exactly). Each call builds a new, independent model.
#include <cstdint>
#include <lumen/model.hpp>
#include <lumen/tensor.hpp>

#include "lumen/conformance/export.hpp"

namespace lumen::conformance {

/// [N,3,8,8] -> Conv 3x3 (3->4, pad 1) -> ReLU -> MaxPool 2 -> Conv 3x3 (4->6, pad 1) -> ReLU
/// ("features") -> GlobalAveragePool -> Flatten -> Linear (6->5) -> Softmax.
LUMEN_CONFORMANCE_API Model conv_net(std::uint64_t seed, bool bias = true);
/// [N,2,8,8] -> Conv -> ReLU -> (Conv -> ReLU -> Conv) + skip -> ReLU ("features") -> Concat with
/// the stem -> AvgPool 2 -> Flatten -> Linear (->4).
LUMEN_CONFORMANCE_API Model residual_net(std::uint64_t seed, bool bias = true);
/// [N,1,4,4] -> Flatten -> Linear (16->8) -> ReLU -> Linear (8->3). No spatial layer.
LUMEN_CONFORMANCE_API Model dense_net(std::uint64_t seed, bool bias = true);

/// [N,3,8,8] -> Conv (3->4) -> BatchNormalization -> ReLU -> Conv (4->3) and Conv (4->2) ->
/// Concat -> BatchNormalization -> ReLU -> BatchNormalization -> GlobalAveragePool -> Flatten ->
/// Linear (5->4) -> BatchNormalization: batch-norms after a Conv, after a channel Concat of Convs,
/// after a ReLU and after a Linear, with scales of both signs. For canonizers.
LUMEN_CONFORMANCE_API Model batch_norm_net(std::uint64_t seed);

/// A tensor of `shape` with values uniform in [low, high), seeded.
LUMEN_CONFORMANCE_API Tensor random_tensor(const Shape& shape, std::uint64_t seed,
                                           float low = -1.0F, float high = 1.0F);

}  // namespace lumen::conformance
