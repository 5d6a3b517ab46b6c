#pragma once
// Shared material of the propagation-rule tests: relevance reaching the input, the small network
// the hand-computed examples use, and a rule applied at a lone ReLU.
#include <lumen/model.hpp>
#include <lumen/propagation.hpp>
#include <lumen/rule.hpp>
#include <vector>

namespace lumen::testing {

/// The signal reaching the input when `rules` propagate from the targets' logits
/// (StartValue::logit) on the cpu-reference backend with `threads` threads.
Tensor relevance(const Model& model, const RuleMap& rules, const Tensor& x,
                 const std::vector<std::int64_t>& targets, int threads = 1);

/// Checks that the relevance of a batch equals that of each sample alone (1e-5 relative) and is
/// bit-identical with 1 and 2 threads.
void check_batch_and_threads(const Model& model, const RuleMap& rules, const Tensor& x,
                             const std::vector<std::int64_t>& targets);

/// x [2,1,1] -> flatten -> "fc1" W1 = [[1, 1], [-1, 2]] -> "relu" -> "fc2" `second` ([K, 2]),
/// no biases: the network of the hand-computed relevance examples.
Model two_layer_relu_net(const Tensor& second);

/// The rule's output at a ReLU node with forward input x and upstream signal u.
Tensor apply_at_relu(const Rule& rule, const Tensor& x, const Tensor& u);

}  // namespace lumen::testing
