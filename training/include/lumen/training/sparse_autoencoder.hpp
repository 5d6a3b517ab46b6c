#pragma once
/// The sparse auto-encoder baseline of the CNN-LRP paper, trained in two stages:
///  1. an auto-encoder x -> sigmoid(W1 x + b1) = a -> sigmoid(W2 a + b2) = x' minimising
///     sum ||x' - x||^2 / (2 N) + sparsity_weight * sum_j KL(target || mean_n a[n, j]) over each
///     mini-batch of N images (pixels expected in [0, 1]);
///  2. a softmax classifier on the code a, the encoder frozen.
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
/// Throws InvalidArgument unless a is [N, H] with values in (0, 1) and target is in (0, 1).
SparsityPenalty kl_sparsity_penalty(const Tensor& activations, float target, float weight);

struct SparseAutoencoderOptions {
  std::int64_t hidden = 100;      ///< code size
  float sparsity_target = 0.05F;  ///< the desired mean activation of each hidden unit
  float sparsity_weight = 3.0F;   ///< weight of the KL penalty
  std::uint64_t seed = 0;         ///< initialisation (training seeds are in the stage options)
  TrainOptions autoencoder;       ///< stage 1 (accuracies are reported as 0)
  TrainOptions classifier;        ///< stage 2 (`frozen` gets the encoder added)
};

struct SparseAutoencoderResult {
  Model classifier;
  std::vector<EpochRecord> autoencoder_history;
  std::vector<EpochRecord> classifier_history;
};

SparseAutoencoderResult train_sparse_autoencoder(const Dataset& data,
                                                 const SparseAutoencoderOptions& options,
                                                 Context& context);

}  // namespace lumen::training
