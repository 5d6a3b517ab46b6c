#pragma once
#include <memory>
#include <vector>

#include "lumen/export.hpp"
#include "lumen/graph.hpp"
#include "lumen/layer.hpp"
#include "lumen/tensor.hpp"

namespace lumen {

class Context;
class Model;

/// Which outputs a forward pass keeps. Everything a backward pass needs by default; a pass that
/// only wants some outputs (prediction, CAM activations) keeps just those, so memory stays bounded.
struct ForwardOptions {
  bool keep_all = true;      ///< keep every node's output and state
  std::vector<NodeId> keep;  ///< with keep_all false: the nodes whose outputs to keep
};

/// What a forward pass recorded: node outputs and the state layers saved for their backward.
class LUMEN_API Trace {
 public:
  explicit Trace(std::size_t node_count);
  bool has(NodeId id) const;
  /// Throws Error when the output was not kept.
  const Tensor& output(NodeId id) const;
  const LayerState* state(NodeId id) const;
  void set(NodeId id, Tensor output, std::unique_ptr<LayerState> state);
  void drop(NodeId id);

 private:
  std::vector<Tensor> outputs_;
  std::vector<std::unique_ptr<LayerState>> states_;
  std::vector<bool> present_;
};

/// Runs the model on `input` ([N,C,H,W], checked against the model) and counts N forward passes.
LUMEN_API Trace run_forward(const Model& model, const Tensor& input, Context& context,
                            const ForwardOptions& options = {});
/// The logits [N, classes] of the model for `input` (keeps nothing else).
LUMEN_API Tensor predict_logits(const Model& model, const Tensor& input, Context& context);
/// Row-wise softmax of [N, K] scores.
LUMEN_API Tensor softmax_rows(const Tensor& scores);

}  // namespace lumen
