#pragma once
// The "cone" of an occlusion window (Krypton, Nakandala et al. 2019): the rectangle of positions
// of each layer's output that the window can change, followed through the local layers until a
// layer that mixes all positions, from where everything is recomputed in full.
#include <array>
#include <cstdint>
#include <lumen/model.hpp>
#include <vector>

#include "local_layers.hpp"
#include "receptive_field.hpp"
#include "sliding_windows.hpp"

namespace lumen::occlusion {

/// Rows x columns of a [C,H,W] map, every channel.
struct Rect {
  Span rows, cols;
  bool empty() const { return rows.empty() || cols.empty(); }
  std::int64_t area() const { return rows.size() * cols.size(); }
};

/// What output rectangle `out` of a local layer reads of each input: pointwise layers the same
/// rectangle, window layers its receptive field clipped to the input, and how far the windows
/// reach into the padding (top, bottom, left, right).
struct InputRect {
  Rect rect;
  std::array<std::int64_t, 4> pads{};
};
InputRect input_rect(const LocalLayer& layer, const Rect& out);

/// The cones of windows [first, first + count), computed together as one chunk.
struct ChunkPlan {
  std::int64_t first = 0, count = 0;
  /// rects[node][k]: the positions of the node's output window first + k can change; empty when
  /// none. Filled for the local nodes that are not dense.
  std::vector<std::vector<Rect>> rects;
  /// The nodes recomputed in full for every window of the chunk: those a window reaches through
  /// a non-local layer or that a window changes at more than half the positions, for any window
  /// of the chunk, and everything after them.
  std::vector<bool> dense;
  /// Estimated FLOPs of the chunk: the local patches plus the dense nodes, for every window.
  double flops = 0.0;
};

/// Plans the cones of a model's windows. Immutable and thread-safe; the model and `layers` must
/// outlive it.
class ConePlanner {
 public:
  ConePlanner(const Model& model, const std::vector<LocalLayer>& layers,
              const SlidingWindows& windows);

  ChunkPlan plan(std::int64_t first, std::int64_t count) const;
  /// FLOPs of one sample's plain forward pass through the nodes the logits depend on.
  double plain_flops() const { return plain_flops_; }
  /// The nodes the logits depend on, in topological order (the input first).
  const std::vector<NodeId>& order() const { return order_; }

 private:
  // Sets rects[node] or dense[node] (one window, by node) from those of the node's inputs.
  void cone_step(NodeId node, std::vector<Rect>& rects, std::vector<bool>& dense) const;
  double patch_flops(NodeId node, const Rect& out) const;

  const Model& model_;
  const std::vector<LocalLayer>& layers_;
  SlidingWindows windows_;
  std::vector<NodeId> order_;
  std::vector<double> full_flops_;  // per node, one sample
  double plain_flops_ = 0.0;
};

}  // namespace lumen::occlusion
