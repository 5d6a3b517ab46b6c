#pragma once
// The objective of meaningful perturbation for a batch of masks, and its exact gradient:
//   F(m) = l1 * mean(1 - m) + tv * TV_beta(m) + S_c(x * M + b * (1 - M)),  M = Up(m),
// S_c the target's softmax probability and b the blurred image.
#include <cstdint>
#include <lumen/context.hpp>
#include <lumen/model.hpp>
#include <lumen/tensor.hpp>
#include <span>
#include <vector>

namespace lumen::meaningful_perturbation {

struct MaskProblem {
  const Model& model;
  const Tensor& input;    ///< x, [N,C,H,W]
  const Tensor& blurred;  ///< b, shaped like x
  std::span<const std::int64_t> targets;
  double l1 = 0.0;
  double tv = 0.0;
  double tv_beta = 3.0;
};

struct MaskEvaluation {
  std::vector<double> objective;    ///< F per sample
  std::vector<double> probability;  ///< S_c(x~) per sample
  Tensor gradient;                  ///< dF/dm, shaped like the masks (empty unless asked)
};

/// The perturbed inputs x * M + b * (1 - M) for masks [N,1,h,w] upsampled to the input size.
Tensor perturbed_input(const MaskProblem& problem, const Tensor& masks);

/// F for each sample's mask ([N,1,h,w]); with `gradient`, also dF/dm by one forward and one
/// backward pass of the whole batch (otherwise one forward pass only).
MaskEvaluation evaluate_masks(const MaskProblem& problem, const Tensor& masks, bool gradient,
                              Context& context);

}  // namespace lumen::meaningful_perturbation
