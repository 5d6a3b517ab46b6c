#pragma once
// The linear classifiers many property tests use: their scores are known in closed form.
#include <lumen/model.hpp>
#include <optional>

namespace lumen::testing {

/// input `sample` [C,H,W] -> Flatten -> "fc" Gemm with `weight` [K, C*H*W] and `bias` [K] (none
/// when empty) -> logits [N, K].
Model linear_classifier(const Shape& sample, const Tensor& weight,
                        const std::optional<Tensor>& bias = std::nullopt);

/// A linear_classifier with random weights and bias (random_tensor with `seed` and `seed + 1`),
/// and its weight [K, C*H*W]: f(x) = W x + b.
struct RandomLinearModel {
  Model model;
  Tensor weight;
};
RandomLinearModel random_linear_classifier(const Shape& sample, std::int64_t classes,
                                           std::uint64_t seed);

/// input [N,2,2,2] -> ReLU ("features": K = 2 maps of 2x2, already at the input size, so a CAM's
/// upsampling is the identity) -> Flatten -> "fc" Gemm `weight` [K', 8] without bias: the gradient
/// at the features is W[c], and a zero input gives zero logits.
Model relu_features_classifier(const Tensor& weight);

}  // namespace lumen::testing
