#include "local_layers.hpp"

#include <algorithm>
#include <lumen/layer_config.hpp>

namespace lumen::occlusion {

namespace {

WindowAxis axis(std::int64_t kernel, std::int64_t stride, std::int64_t dilation, std::int64_t pad,
                std::int64_t in_size, std::int64_t out_size) {
  return {kernel, stride, dilation, pad, in_size, out_size};
}

bool conv_layer(const Layer& layer, const Shape& in, LocalLayer& l) {
  const auto p = conv2d_params(layer);
  if (!p) return false;
  // The weight and bias pointers come from parameters(), which returns the layer's own tensors;
  // conv2d_params only gives copies.
  const auto own = layer.parameters();
  if (own.empty() || own[0]->shape() != p->weight.shape() || own.size() != (p->bias ? 2U : 1U)) {
    return false;
  }
  const Shape& w = p->weight.shape();
  l.op = WindowOp::conv;
  l.axes = {axis(w[2], p->stride[0], p->dilation[0], p->pads[0], in[2], l.height),
            axis(w[3], p->stride[1], p->dilation[1], p->pads[1], in[3], l.width)};
  l.groups = p->groups;
  l.weight = own[0]->data();
  l.bias = p->bias ? own[1]->data() : nullptr;
  l.weight_cache = std::make_shared<const WeightCache>();
  return true;
}

bool pool_layer(const Layer& layer, const Shape& in, LocalLayer& l) {
  const auto p = pool2d_params(layer);
  if (!p) return false;
  l.op = layer.op_type() == "MaxPool" ? WindowOp::max_pool : WindowOp::avg_pool;
  l.axes = {axis(p->kernel[0], p->stride[0], p->dilation[0], p->pads[0], in[2], l.height),
            axis(p->kernel[1], p->stride[1], p->dilation[1], p->pads[1], in[3], l.width)};
  l.count_include_pad = l.op == WindowOp::avg_pool && p->count_include_pad;
  l.pad_after = {p->pads[2], p->pads[3]};
  return true;
}

// Layers whose output at a position reads only that position of its inputs (all channels).
bool pointwise_layer(const Layer& layer, std::size_t inputs) {
  const std::string op = layer.op_type();
  if (inputs == 1) {
    return layer.kind() == LayerKind::activation || batch_norm_params(layer).has_value() ||
           (op == "LRN" && layer.kind() == LayerKind::normalisation) ||
           ((op == "Identity" || op == "Dropout") && layer.kind() == LayerKind::structural);
  }
  if (op == "Add") return layer.kind() == LayerKind::structural;  // the sum of >= 2 inputs
  const auto axis = layer_axis(layer);
  return op == "Concat" && axis && (*axis == 1 || *axis == -3);
}

LocalLayer describe(const Graph& graph, const Node& node) {
  const Shape& out = node.output_shape;
  if (out.size() != 4) return {};
  LocalLayer l;
  l.channels = out[1];
  l.height = out[2];
  l.width = out[3];
  if (node.id == graph.input()) {
    l.kind = LocalKind::input;
    return l;
  }
  if (node.inputs.empty()) return {};
  for (NodeId i : node.inputs) {
    if (graph.node(i).output_shape.size() != 4) return {};
  }
  const Shape& in = graph.node(node.inputs[0]).output_shape;
  l.in_channels = in[1];
  if (node.inputs.size() == 1 &&
      (conv_layer(*node.layer, in, l) || pool_layer(*node.layer, in, l))) {
    l.kind = LocalKind::window;
    return l;
  }
  const bool same_plane = std::all_of(node.inputs.begin(), node.inputs.end(), [&](NodeId i) {
    const Shape& s = graph.node(i).output_shape;
    return s[2] == out[2] && s[3] == out[3] && (node.inputs.size() > 1 || s[1] == out[1]);
  });
  if (same_plane && pointwise_layer(*node.layer, node.inputs.size())) {
    l.kind = LocalKind::pointwise;
    return l;
  }
  return {};
}

}  // namespace

std::vector<LocalLayer> local_layers(const Model& model) {
  const Graph& graph = model.graph();
  std::vector<LocalLayer> layers;
  layers.reserve(graph.size());
  for (NodeId id = 0; id < graph.size(); ++id) layers.push_back(describe(graph, graph.node(id)));
  return layers;
}

}  // namespace lumen::occlusion
