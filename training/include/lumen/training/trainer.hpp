#pragma once
/// Mini-batch training of a classifier on a Dataset with softmax cross-entropy.
///
/// Determinism: each mini-batch is cut into micro-batches of `micro_batch` consecutive samples;
/// the micro-batches are forwarded and back-propagated in parallel on the Context's oneTBB arena
/// and their gradients are summed in micro-batch order. Nothing depends on the thread count, so
/// one thread and many give bit-identical models. Batch-norm layers normalise with the statistics
/// of their micro-batch ("ghost" batch-norm) and update their running statistics with the
/// in-order average of the micro-batches' statistics.
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "lumen/context.hpp"
#include "lumen/dataset.hpp"
#include "lumen/model.hpp"
#include "lumen/training/optimizer.hpp"

namespace lumen::training {

/// What one epoch achieved. Losses are means per sample; accuracies are fractions in [0, 1].
/// The training figures come from the training-mode passes of the epoch; the validation figures
/// from an inference pass after it (NaN when there is no validation split).
struct EpochRecord {
  int epoch = 0;  ///< 1-based
  double train_loss = 0.0;
  double train_accuracy = 0.0;
  double validation_loss = 0.0;
  double validation_accuracy = 0.0;
  double seconds = 0.0;
};

struct TrainOptions {
  int epochs = 10;
  std::int64_t batch_size = 32;
  std::int64_t micro_batch = 8;  ///< samples per parallel task (see the file comment)
  /// Fraction of the dataset held out (a seeded random choice) for validation, in [0, 1).
  double validation_fraction = 0.0;
  /// Early stopping: stop after this many epochs without a lower validation loss (training loss
  /// when there is no validation split); 0 trains all epochs. Either way the returned model is
  /// the one of the best epoch.
  int patience = 0;
  std::uint64_t seed = 0;  ///< drives the validation split and the shuffling of every epoch
  OptimizerOptions optimizer;
  /// Weight decay also on rank-1 parameters (biases, batch-norm scales and shifts).
  bool decay_all = false;
  float batch_norm_momentum = 0.1F;  ///< running = (1 - m) running + m batch
  /// Names of nodes whose parameters stay fixed.
  std::vector<std::string> frozen;
  /// Called after every epoch, on the calling thread.
  std::function<void(const EpochRecord&)> on_epoch;
};

/// The trained model (the best epoch's) and what every epoch achieved.
struct TrainResult {
  Model model;
  std::vector<EpochRecord> history;
  int best_epoch = 0;          ///< 1-based; 0 when no epoch ran
  bool stopped_early = false;  ///< patience ran out before `epochs`
};

/// Trains `start` on `data` (images are normalised by the model's input spec when it has mean and
/// std). Reports progress in [0, 1] through the context and honours its cancellation. Throws
/// InvalidArgument for invalid options, a dataset whose sample shape differs from the model's
/// input or with labels beyond the model's classes.
TrainResult train(const Model& start, const Dataset& data, const TrainOptions& options,
                  Context& context);

/// Mean softmax cross-entropy and accuracy of `model` (inference mode) on the samples `indices`,
/// in parallel tasks of `batch_size` samples.
struct Evaluation {
  double loss = 0.0;
  double accuracy = 0.0;
};
Evaluation evaluate(const Model& model, const Dataset& data, std::span<const std::int64_t> indices,
                    Context& context, std::int64_t batch_size = 32);

/// A seeded split of [0, size) into training and validation indices (both in random order);
/// the validation part has round(size * fraction) samples.
struct Split {
  std::vector<std::int64_t> train;
  std::vector<std::int64_t> validation;
};
Split split_indices(std::int64_t size, double fraction, std::uint64_t seed);

/// Shuffles `values` in place with a Fisher-Yates shuffle driven by a std::mt19937_64 seeded
/// with `seed` (the same on every platform).
void shuffle(std::vector<std::int64_t>& values, std::uint64_t seed);

/// Per-channel mean and standard deviation of the images at the first (at most) 512 of
/// `indices`: the input standardisation lumen train records in a model (ArchitectureOptions'
/// mean and std). A constant channel gets std 1e-6.
std::pair<std::vector<float>, std::vector<float>> channel_statistics(
    const Dataset& data, std::span<const std::int64_t> indices);
/// The same over the whole dataset (its first 512 samples).
std::pair<std::vector<float>, std::vector<float>> channel_statistics(const Dataset& data);

}  // namespace lumen::training
