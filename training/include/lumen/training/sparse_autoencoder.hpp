#pragma once
/// The sparse auto-encoder baseline of the CNN-LRP paper, trained in three stages:
///  1. an auto-encoder x -> sigmoid(W1 x + b1) = a -> d(W2 a + b2) = x' minimising
///     sum ||x' - x||^2 / (2 N) + sparsity_weight * sum_j KL(target || mean_n a[n, j]) over each
///     mini-batch of N images. With `standardise` (the default) x is the image standardised by
///     its training data's per-channel mean and std (recorded in the model's input spec) and the
///     decoder d is linear (the usual "linear decoder" for inputs not confined to [0, 1]);
///     without it x is the raw image, expected in [0, 1], and d is a sigmoid;
///  2. a softmax classifier on the code a, the encoder frozen;
///  3. fine-tuning: the whole classifier (encoder and softmax layer) trained together by
///     cross-entropy from stage 2's result, as a stacked auto-encoder is fine-tuned after its
///     greedy pre-training. Stage 3 is skipped when its epochs are 0.
/// Why not stage 2 alone: on SAR chips (speckle, free aspect) the frozen sparse code separates
/// the classes little better than chance; the paper's baseline accuracy needs the fine-tuning.
/// Stage 1's validation loss takes the penalty's mean activation over chunks of 16 micro-batches.
/// The result is one classifier model: Flatten -> Gemm "encoder" -> Sigmoid "code" -> Gemm
/// "classifier" (logits).
#include <cstdint>
#include <vector>

#include "lumen/context.hpp"
#include "lumen/dataset.hpp"
#include "lumen/model.hpp"
#include "lumen/tensor.hpp"
#include "lumen/training/trainer.hpp"

namespace lumen::training {

/// The KL sparsity penalty of hidden activations a [N, H] in (0, 1) and its gradient.
struct SparsityPenalty {
  double value = 0.0;  ///< weight * sum_j KL(target || rho_j), rho_j = mean_n a[n, j]
  /// [N, H]: d value / d a[n, j] = weight * (-target / rho_j + (1 - target) / (1 - rho_j)) / N.
  Tensor gradient;
};
/// A mean activation rho_j of exactly 0 or 1 (saturated float sigmoids) is taken as 1e-6 or
/// 1 - 1e-6. Throws InvalidArgument unless a is [N, H] with values in [0, 1] and target is in
/// (0, 1).
SparsityPenalty kl_sparsity_penalty(const Tensor& activations, float target, float weight);

struct SparseAutoencoderOptions {
  std::int64_t hidden = 100;      ///< code size
  float sparsity_target = 0.05F;  ///< the desired mean activation of each hidden unit
  float sparsity_weight = 3.0F;   ///< weight of the KL penalty
  std::uint64_t seed = 0;         ///< initialisation (training seeds are in the stage options)
  bool standardise = true;        ///< see the file comment
  TrainOptions autoencoder;       ///< stage 1 (accuracies are reported as 0)
  TrainOptions classifier;        ///< stage 2 (`frozen` gets the encoder added)
  TrainOptions fine_tune;         ///< stage 3 (epochs 0: the stage-2 model is the result)
};

struct SparseAutoencoderResult {
  Model classifier;
  std::vector<EpochRecord> autoencoder_history;
  std::vector<EpochRecord> classifier_history;
  std::vector<EpochRecord> fine_tune_history;  ///< empty when stage 3 was skipped
};

SparseAutoencoderResult train_sparse_autoencoder(const Dataset& data,
                                                 const SparseAutoencoderOptions& options,
                                                 Context& context);

}  // namespace lumen::training
