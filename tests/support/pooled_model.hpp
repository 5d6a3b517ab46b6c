#pragma once
// The max-pooled model the CAM tests derive maps for by hand.
#include <lumen/model.hpp>
#include <optional>

namespace lumen::testing {

/// input [N,2,4,4] -> MaxPool 2 ("features", [N,2,2,2]) -> head -> logits, where head is Flatten ->
/// Linear W [.,8] (d logit_c / d features^k_ij = W[c][4k + 2i + j], varying over space and sign)
/// or, with gap, GAP -> Flatten -> Linear W [.,2] (gradient W[c][k] / 4, constant over space),
/// with `bias` (none when empty).
Model pooled_model(const Tensor& w, bool gap, const std::optional<Tensor>& bias = std::nullopt);

/// The max of each 2x2 block of a [1,2,4,4] input: pooled_model's features, [1,2,2,2].
Tensor pooled(const Tensor& x);

}  // namespace lumen::testing
