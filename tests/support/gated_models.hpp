#pragma once
// Small models with products of two computed tensors: a squeeze-and-excitation block and SiLU.
#include <lumen/model.hpp>

namespace lumen::testing {

/// input [N,2,4,4] -> conv 3x3 (2->4, pad 1, "conv") -> ReLU ("signal") -> product ("scale") with
/// the gate GAP -> conv 1x1 (4->2) -> ReLU -> conv 1x1 (2->4) -> Sigmoid ("gate", [N,4,1,1]) ->
/// GAP -> Flatten -> Linear (4->3, "fc", the logits). The gate is the product's first input when
/// `gate_first`. Bias-free when `bias` is false.
Model se_block_model(bool gate_first, bool bias);

/// input [N,2,4,4] -> conv 3x3 (2->3, pad 1, "conv") -> SiLU = conv * Sigmoid(conv) ("silu") ->
/// Flatten -> Linear (48->3, "fc", the logits); bias-free when `bias` is false.
Model silu_model(bool bias);

}  // namespace lumen::testing
