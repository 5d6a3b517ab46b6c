#pragma once
// The epoch loop shared by the classifier trainer and the sparse auto-encoder's first stage: an
// objective turns forwarded micro-batches into a loss and gradient seeds.
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "lumen/context.hpp"
#include "lumen/dataset.hpp"
#include "lumen/model.hpp"
#include "lumen/training/backprop.hpp"
#include "lumen/training/trainer.hpp"

namespace lumen::training::detail {

// Consecutive samples of a mini-batch, after their forward pass.
struct MicroBatch {
  Tensor input;
  std::vector<std::int64_t> labels;
  std::vector<std::string> ids;  // the samples' Sample::id, for error messages
  Pass pass;
};

struct ObjectiveResult {
  double loss_sum = 0.0;  // the mini-batch's loss times its sample count
  std::int64_t correct = 0;
  // Per micro-batch, the seeds of d(loss_sum / total)/d(outputs); empty without gradients.
  std::vector<std::vector<Seed>> seeds;
};

// (micro-batches, samples in the mini-batch, whether seeds are wanted) -> result.
using Objective =
    std::function<ObjectiveResult(const std::vector<MicroBatch>&, std::int64_t, bool)>;

// Loads `indices` in micro-batches of `micro_batch` and runs their forward passes in parallel.
std::vector<MicroBatch> forward_micro_batches(const Model& model, const Dataset& data,
                                              std::span<const std::int64_t> indices,
                                              std::int64_t micro_batch, bool training,
                                              Context& context);

// Mean loss and accuracy of `objective` over `indices`, inference mode.
Evaluation evaluate_objective(const Model& model, const Dataset& data,
                              std::span<const std::int64_t> indices, const Objective& objective,
                              Context& context, std::int64_t micro_batch);

TrainResult fit(const Model& start, const Dataset& data, const TrainOptions& options,
                const Objective& objective, Context& context);

// Softmax cross-entropy on the model's logits node.
Objective cross_entropy_objective(const Model& model);

}  // namespace lumen::training::detail
