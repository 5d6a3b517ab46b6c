#pragma once
#include <map>
#include <vector>

#include "lumen/export.hpp"
#include "lumen/graph.hpp"
#include "lumen/rule.hpp"
#include "lumen/tensor.hpp"

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

/// A start signal for the logits: `values[n]` at (n, targets[n]), zero elsewhere.
LUMEN_API Tensor one_hot_rows(const Shape& logits_shape, std::span<const std::int64_t> targets,
                              std::span<const float> values);

}  // namespace lumen
