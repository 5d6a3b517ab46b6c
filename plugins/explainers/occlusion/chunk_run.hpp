#pragma once
// One chunk of windows of one sample, computed incrementally: each node's cone from the base
// pass's outputs, node by node.
#include <cstdint>
#include <lumen/context.hpp>
#include <lumen/model.hpp>
#include <lumen/trace.hpp>
#include <vector>

#include "cone.hpp"
#include "local_layers.hpp"
#include "sliding_windows.hpp"

namespace lumen::occlusion {

/// What the chunks of every sample share. The references must outlive the runs.
struct IncrementalSetup {
  const Model& model;
  const std::vector<LocalLayer>& layers;
  const SlidingWindows& windows;
  const Trace& base;  ///< the un-occluded batch's outputs of every node in ConePlanner::order()
  float baseline;     ///< the value written under each window
};

/// The windows of `plan` on sample `sample` of the base pass. run() visits every node the logits
/// depend on in topological order: the input gets each window's occluded rectangle, local nodes
/// their patches (several windows per kernel call where the rectangles have one size and
/// padding), dense nodes their whole output for the chunk's windows stacked along the batch.
/// What no later node reads is freed on the way. One run per thread; counts no passes.
class ChunkRun {
 public:
  ChunkRun(const IncrementalSetup& setup, const ChunkPlan& plan, const std::vector<NodeId>& order,
           std::int64_t sample, const Context& context);
  void run();
  /// After run(): the logit of `target` with window plan.first + k occluded.
  double logit(std::int64_t k, std::int64_t target) const;

 private:
  std::size_t count() const { return static_cast<std::size_t>(plan_.count); }
  const float* base(NodeId id) const;
  Rect whole(NodeId id) const;
  void gather_base(NodeId id, const Rect& q, float* dst) const;
  void gather(NodeId id, std::int64_t k, const Rect& q, float* dst) const;
  void input_patches();
  void local_node(NodeId id);
  void dense_node(NodeId id);
  const Tensor& stacked(NodeId id);
  void release(NodeId id);

  const IncrementalSetup& s_;
  const Graph& graph_;
  const ChunkPlan& plan_;
  const std::vector<NodeId>& order_;
  std::int64_t sample_;
  const Context& context_;
  std::vector<std::vector<Tensor>> patches_;  // [node][k], over plan_.rects[node][k]
  std::vector<Tensor> dense_out_;             // [node]: [count, ...] for dense nodes
  std::vector<Tensor> stacked_;               // [node]: [count, ...] read by dense nodes
  std::vector<std::size_t> readers_;          // [node]: nodes still to read it
};

}  // namespace lumen::occlusion
