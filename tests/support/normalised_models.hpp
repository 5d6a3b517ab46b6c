#pragma once
// Small models with the blocks of modern CNNs that are not convolutions: a quotient of two
// computed tensors, and a ConvNeXt-style MLP over the channels of an NHWC tensor.
#include <lumen/model.hpp>

namespace lumen::testing {

/// input [N,2,4,4] -> conv 3x3 (2->3, pad 1) -> ReLU ("signal") divided ("normalise") by the
/// divisor 1 + Sigmoid(conv 1x1 (2->1) of the input) ("divisor", [N,1,4,4]) -> Flatten -> Linear
/// (48->3, "fc", the logits). Bias-free when `bias` is false.
Model quotient_model(bool bias);

/// input [N,2,4,4] -> conv 3x3 (2->3, pad 1, "conv") -> Transpose to NHWC -> Linear over channels
/// (3->6, "fc1") -> GELU ("gelu") -> Linear (6->3, "fc2") -> Transpose to NCHW -> layer scale
/// [3,1,1] -> residual Add with "conv" ("residual") -> GAP -> Flatten -> Linear (3->3, "fc", the
/// logits). Bias-free when `bias` is false.
Model mlp_block_model(bool bias);

}  // namespace lumen::testing
