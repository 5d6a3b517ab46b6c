#pragma once
// The linear classifier many property tests use: its scores are known in closed form.
#include <lumen/model.hpp>
#include <optional>

namespace lumen::testing {

/// input `sample` [C,H,W] -> Flatten -> "fc" Gemm with `weight` [K, C*H*W] and `bias` [K] (none
/// when empty) -> logits [N, K].
Model linear_classifier(const Shape& sample, const Tensor& weight,
                        const std::optional<Tensor>& bias = std::nullopt);

}  // namespace lumen::testing
