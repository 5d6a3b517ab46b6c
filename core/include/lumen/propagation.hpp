#pragma once
#include <map>
#include <vector>

#include "lumen/export.hpp"
#include "lumen/graph.hpp"
#include "lumen/rule.hpp"
#include "lumen/tensor.hpp"
#include "lumen/trace.hpp"

namespace lumen {

class Context;
class Model;
class Trace;

/// Where a backward pass starts and what it returns.
struct PropagationRequest {
  NodeId start = 0;     ///< the node whose output receives the start signal (usually logits)
  Tensor start_signal;  ///< shaped like that output
  std::vector<NodeId>
      collect;  ///< nodes whose output signal to return (the input node for input space)
};

/// The one propagation engine: walks the graph in reverse topological order from `start`,
/// asking the rule map at every node what to send back; sums contributions at fan-out. Needs a
/// trace with every output kept. Counts N backward passes.
LUMEN_API std::map<NodeId, Tensor> propagate(const Model& model, const Trace& trace,
                                             const RuleMap& rules,
                                             const PropagationRequest& request, Context& context);

/// What the start signal holds at each sample's target logit (zero at the other logits).
enum class StartValue {
  one,    ///< 1: gradient methods (d f_c / d ...)
  logit,  ///< the logit's value f_c(x): relevance methods (LRP)
};

/// A forward pass that keeps everything, and the signals a backward pass of `rules` from the
/// target logits leaves at `collect`.
struct TargetPropagation {
  Trace trace;
  std::map<NodeId, Tensor> signals;
};

/// The common first step of explainers: checks the targets, runs the model forward on `input` and
/// propagates back from each sample's target logit (StartValue) to the nodes in `collect`.
/// Counts N forward and N backward passes.
LUMEN_API TargetPropagation propagate_from_targets(const Model& model, const Tensor& input,
                                                   std::span<const std::int64_t> targets,
                                                   const RuleMap& rules, StartValue start,
                                                   std::vector<NodeId> collect, Context& context);

/// The signal a backward pass of `rules` from each sample's target logit (start 1) leaves at the
/// model's input, shaped like `input`: with the default rules, the gradient d f_c / d x that the
/// gradient methods start from. Counts N forward and N backward passes.
LUMEN_API Tensor input_gradient(const Model& model, const Tensor& input,
                                std::span<const std::int64_t> targets, Context& context,
                                const RuleMap& rules = RuleMap(gradient_rule()));

/// A start signal for the logits: `values[n]` at (n, targets[n]), zero elsewhere.
LUMEN_API Tensor one_hot_rows(const Shape& logits_shape, std::span<const std::int64_t> targets,
                              std::span<const float> values);

}  // namespace lumen
