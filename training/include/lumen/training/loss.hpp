#pragma once
/// Softmax cross-entropy, the classification loss lumen trains with.
#include <cstdint>
#include <span>
#include <vector>

#include "lumen/tensor.hpp"

namespace lumen::training {

/// The loss of each row of a batch of logits and the gradient of their sum.
struct CrossEntropy {
  std::vector<double> losses;  ///< per row: -log softmax(logits)[label]
  Tensor gradient;             ///< [N, K]: softmax(logits) - one_hot(label), the gradient of sum
  std::int64_t correct = 0;    ///< rows whose largest logit is the label's (first on ties)
};

/// Softmax cross-entropy of logits [N, K] against labels in [0, K), computed stably (log-sum-exp).
/// Throws InvalidArgument for a label count or value that does not fit.
CrossEntropy softmax_cross_entropy(const Tensor& logits, std::span<const std::int64_t> labels);

}  // namespace lumen::training
