#pragma once
/// Gradient-descent optimizers: SGD with momentum and Adam, with L2 weight decay.
#include <cstdint>
#include <vector>

#include "lumen/tensor.hpp"

namespace lumen::training {

struct OptimizerOptions {
  enum class Kind { sgd, adam };
  Kind kind = Kind::sgd;
  float learning_rate = 0.01F;
  float momentum = 0.9F;  ///< SGD: v = momentum * v + g; w -= learning_rate * v (0 = plain SGD)
  float beta1 = 0.9F;     ///< Adam: decay of the first moment
  float beta2 = 0.999F;   ///< Adam: decay of the second moment
  float epsilon = 1e-8F;  ///< Adam: added to sqrt of the bias-corrected second moment
  /// L2 weight decay: weight_decay * w is added to the gradient of every decayed parameter
  /// before the update (coupled L2, for Adam too). Which parameters decay is the caller's mask;
  /// the trainer decays weights (rank >= 2) only, not biases nor batch-norm scales and shifts.
  float weight_decay = 0.0F;
};

/// One optimizer state over a fixed list of parameter tensors. Not thread-safe.
class Optimizer {
 public:
  /// Throws InvalidArgument for a negative or non-finite rate, momentum outside [0, 1), betas
  /// outside [0, 1), a non-positive epsilon or a negative weight decay.
  explicit Optimizer(OptimizerOptions options);
  /// Updates `parameters` in place from `gradients` (same count and shapes as on the first call);
  /// decay[i] says whether parameter i takes weight decay. Throws InvalidArgument on a mismatch.
  void step(std::vector<Tensor>& parameters, const std::vector<Tensor>& gradients,
            const std::vector<bool>& decay);
  /// Steps taken so far.
  std::int64_t steps() const { return steps_; }
  const OptimizerOptions& options() const { return options_; }

 private:
  OptimizerOptions options_;
  std::int64_t steps_ = 0;
  std::vector<Tensor> first_;   // SGD velocity, or Adam's first moment
  std::vector<Tensor> second_;  // Adam's second moment
};

}  // namespace lumen::training
