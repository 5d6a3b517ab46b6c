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
/// The output of `node` for `input`, from one forward pass that keeps nothing else.
LUMEN_API Tensor node_output(const Model& model, const Tensor& input, NodeId node,
                             Context& context);
/// The logits [N, classes] of the model for `input` (keeps nothing else).
LUMEN_API Tensor predict_logits(const Model& model, const Tensor& input, Context& context);
/// The nodes whose outputs run_head reads from the trace instead of recomputing them: the inputs,
/// not depending on `node`, of the nodes between `node` and the logits that do (a skip connection
/// around `node`, for instance). Keep them, with `node` itself, in the forward pass whose trace is
/// given to run_head. Throws InvalidArgument when the logits do not depend on `node`.
LUMEN_API std::vector<NodeId> head_inputs(const Model& model, NodeId node);
/// Runs the part of the model after `node` (its "head"): the output of `node` is replaced by
/// `value` ([M, ...] with the node's per-sample shape; M may differ from the trace's batch), every
/// node between it and the logits that depends on it is recomputed, and the logits [M, classes]
/// are returned. The other tensors the head reads (head_inputs) come from `trace`, at batch
/// position `sample`, repeated for the M rows. Counts M forward passes: a head pass is counted as
/// a forward pass, though it costs only the layers after `node`. Thread-safe; throws
/// InvalidArgument for a wrong shape or sample and Error when `trace` lacks a needed output.
LUMEN_API Tensor run_head(const Model& model, NodeId node, const Tensor& value, const Trace& trace,
                          std::int64_t sample, Context& context);
/// Row-wise softmax of [N, K] scores.
LUMEN_API Tensor softmax_rows(const Tensor& scores);

}  // namespace lumen
