#include "cone.hpp"

namespace lumen::occlusion {

InputRect input_rect(const LocalLayer& layer, const Rect& out) {
  if (layer.kind != LocalKind::window) return {out, {}};
  const InputSpan rows = receptive_field(layer.axes[0], out.rows);
  const InputSpan cols = receptive_field(layer.axes[1], out.cols);
  return {{rows.inputs, cols.inputs},
          {rows.pad_before, rows.pad_after, cols.pad_before, cols.pad_after}};
}

ConePlanner::ConePlanner(const Model& model, const std::vector<LocalLayer>& layers,
                         const SlidingWindows& windows)
    : model_(model), layers_(layers), windows_(windows) {
  const Graph& graph = model.graph();
  std::vector<bool> needed(graph.size(), false);
  needed[model.logits_node()] = true;
  const auto& topological = graph.topological_order();
  for (auto it = topological.rbegin(); it != topological.rend(); ++it) {
    if (!needed[*it]) continue;
    for (NodeId i : graph.node(*it).inputs) needed[i] = true;
  }
  full_flops_.assign(graph.size(), 0.0);
  for (NodeId id : topological) {
    if (!needed[id]) continue;
    order_.push_back(id);
    if (id == graph.input()) continue;
    const Node& node = graph.node(id);
    std::vector<Shape> shapes;
    for (NodeId i : node.inputs) shapes.push_back(graph.node(i).output_shape);
    full_flops_[id] = static_cast<double>(node.layer->flops(shapes, node.output_shape));
    plain_flops_ += full_flops_[id];
  }
}

void ConePlanner::cone_step(NodeId id, std::vector<Rect>& rects, std::vector<bool>& dense) const {
  const Node& node = model_.graph().node(id);
  const LocalLayer& layer = layers_[id];
  rects[id] = {};
  bool changed = false;
  for (NodeId i : node.inputs) {
    if (dense[i]) {
      dense[id] = true;
      return;
    }
    changed = changed || !rects[i].empty();
  }
  if (!changed) return;
  if (layer.kind == LocalKind::none) {
    dense[id] = true;
    return;
  }
  Rect out;
  if (layer.kind == LocalKind::window) {
    const Rect& in = rects[node.inputs[0]];
    out = {touched_outputs(layer.axes[0], in.rows), touched_outputs(layer.axes[1], in.cols)};
  } else {
    for (NodeId i : node.inputs) {
      if (!rects[i].empty()) out = {hull(out.rows, rects[i].rows), hull(out.cols, rects[i].cols)};
    }
  }
  // Past half the positions a patch saves little, and the next layers would cover the rest.
  if (2 * out.area() > layer.height * layer.width) {
    dense[id] = true;
  } else if (!out.empty()) {
    rects[id] = out;
  }
}

ChunkPlan ConePlanner::plan(std::int64_t first, std::int64_t count) const {
  const Graph& graph = model_.graph();
  ChunkPlan plan;
  plan.first = first;
  plan.count = count;
  plan.rects.resize(graph.size());
  plan.dense.assign(graph.size(), false);
  for (NodeId id : order_) plan.rects[id].resize(static_cast<std::size_t>(count));
  std::vector<Rect> rects(graph.size());
  std::vector<bool> dense(graph.size());
  for (std::int64_t k = 0; k < count; ++k) {
    std::fill(dense.begin(), dense.end(), false);
    const auto rows = windows_.range(first + k, 1);
    const auto cols = windows_.range(first + k, 2);
    rects[graph.input()] = {{rows[0], rows[1]}, {cols[0], cols[1]}};
    for (NodeId id : order_) {
      if (id != graph.input()) cone_step(id, rects, dense);
      plan.rects[id][static_cast<std::size_t>(k)] = rects[id];
      plan.dense[id] = plan.dense[id] || dense[id];
    }
  }
  for (NodeId id : order_) {
    if (id == graph.input()) continue;
    if (plan.dense[id]) {
      plan.flops += static_cast<double>(count) * full_flops_[id];
      continue;
    }
    for (const Rect& r : plan.rects[id]) {
      if (!r.empty()) plan.flops += patch_flops(id, r);
    }
  }
  return plan;
}

double ConePlanner::patch_flops(NodeId id, const Rect& out) const {
  const Node& node = model_.graph().node(id);
  const LocalLayer& layer = layers_[id];
  const Rect in = input_rect(layer, out).rect;
  std::vector<Shape> shapes;
  for (NodeId i : node.inputs) {
    shapes.push_back({1, layers_[i].channels, in.rows.size(), in.cols.size()});
  }
  const Shape shape{1, layer.channels, out.rows.size(), out.cols.size()};
  return static_cast<double>(node.layer->flops(shapes, shape));
}

}  // namespace lumen::occlusion
