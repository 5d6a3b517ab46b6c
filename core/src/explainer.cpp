#include "lumen/explainer.hpp"

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>

#include "lumen/error.hpp"
#include "lumen/model.hpp"

namespace lumen {

const char* to_string(Family family) {
  switch (family) {
    case Family::gradient: return "gradient";
    case Family::propagation: return "propagation";
    case Family::cam: return "cam";
    case Family::perturbation: return "perturbation";
    case Family::adversarial: return "adversarial";
  }
  return "?";
}

void check_targets(const Model& model, const Tensor& input, std::span<const std::int64_t> targets) {
  const auto n = input.rank() > 0 ? input.dim(0) : 0;
  if (static_cast<std::int64_t>(targets.size()) != n) {
    throw InvalidArgument(std::to_string(targets.size()) + " targets for a batch of " +
                          std::to_string(n));
  }
  const auto classes = model.class_count();
  for (std::size_t i = 0; i < targets.size(); ++i) {
    if (targets[i] < 0 || targets[i] >= classes) {
      throw InvalidArgument("target class " + std::to_string(targets[i]) + " of sample " +
                            std::to_string(i) + " is out of range: the model has " +
                            std::to_string(classes) + " classes (0.." +
                            std::to_string(classes - 1) + ")");
    }
  }
}

namespace {

const char* const gap_head_needed =
    "the model does not end in GlobalAveragePool, then optionally Flatten/Reshape, then one "
    "linear layer (Gemm) giving the logits";

std::string describe(const Node& node) {
  return "'" + node.name + "' (" + node.layer->op_type() + ")";
}

bool passes_through(const Node& node) {
  const auto op = node.layer->op_type();
  return node.inputs.size() == 1 &&
         (op == "Flatten" || op == "Reshape" || op == "Identity" || op == "Dropout");
}

void require_single_consumer(const Graph& graph, NodeId id) {
  const auto& consumers = graph.consumers(id);
  if (consumers.size() != 1) {
    throw InvalidArgument(std::string(gap_head_needed) + ": " + describe(graph.node(id)) +
                          " feeds " + std::to_string(consumers.size()) +
                          " nodes, not only the head");
  }
}

}  // namespace

GapHead gap_head(const Model& model) {
  const Graph& graph = model.graph();
  const NodeId logits = model.logits_node();
  const Node& linear = graph.node(logits);
  if (linear.layer->op_type() != "Gemm" || linear.layer->as_linear() == nullptr ||
      linear.inputs.size() != 1) {
    throw InvalidArgument(std::string(gap_head_needed) + ": the logits come from " +
                          describe(linear));
  }
  NodeId id = linear.inputs[0];
  while (passes_through(graph.node(id))) {
    require_single_consumer(graph, id);
    id = graph.node(id).inputs[0];
  }
  const Node& pool = graph.node(id);
  if (pool.layer->op_type() != "GlobalAveragePool") {
    throw InvalidArgument(std::string(gap_head_needed) + ": the linear layer " + describe(linear) +
                          " reads " + describe(pool) + ", not a GlobalAveragePool");
  }
  require_single_consumer(graph, id);
  require_single_consumer(graph, pool.inputs[0]);
  return {pool.inputs[0], id, logits};
}

bool has_gap_head(const Model& model) {
  try {
    gap_head(model);
    return true;
  } catch (const InvalidArgument&) {
    return false;
  }
}

void check_spatial_layer(const Model& model, NodeId layer) {
  const Node& n = model.graph().node(layer);
  const auto& s = n.output_shape;
  if (s.size() != 4) {
    throw InvalidArgument("layer '" + n.name + "' outputs " + to_string(s) +
                          ", not a spatial map [N,C,h,w]; pick a convolution or pooling node "
                          "(lumen inspect lists them)");
  }
}

namespace {

// A classifier convolution: a Conv giving one map per class that reaches the logits through
// single-input activations, pooling and reshapes only (SqueezeNet's last 1x1 conv). Its maps score
// classes; the features the model found come before it.
std::optional<NodeId> classifier_convolution(const Model& model) {
  const Graph& g = model.graph();
  for (NodeId id = model.logits_node();;) {
    const Node& node = g.node(id);
    const std::string op = node.layer->op_type();
    if (op == "Conv") {
      const auto& s = node.output_shape;
      if (s.size() == 4 && s[1] == model.class_count()) return id;
      return std::nullopt;
    }
    const LayerKind kind = node.layer->kind();
    const bool summarises = kind == LayerKind::activation || kind == LayerKind::pooling ||
                            op == "GlobalAveragePool" || op == "AveragePool" ||
                            op == "GlobalMaxPool" || passes_through(node);
    if (node.inputs.size() != 1 || !summarises) return std::nullopt;
    id = node.inputs[0];
  }
}

}  // namespace

NodeId default_spatial_layer(const Model& model) {
  const Graph& g = model.graph();
  const NodeId head = classifier_convolution(model).value_or(model.logits_node());
  std::optional<NodeId> last_spatial, last_unpooled;
  for (NodeId id : g.topological_order()) {
    if (id == head) break;
    const Node& node = g.node(id);
    const auto& s = node.output_shape;
    if (id == g.input() || s.size() != 4 || s[2] * s[3] <= 1) continue;
    last_spatial = id;
    const std::string op = node.layer->op_type();
    if (node.layer->kind() != LayerKind::pooling && op != "AveragePool" && op != "MaxPool") {
      last_unpooled = id;
    }
  }
  if (!last_spatial) {
    throw InvalidArgument(
        "the model has no layer with a spatial output [N,C,h,w] before its logits");
  }
  return last_unpooled ? *last_unpooled : *last_spatial;
}

namespace {

std::string node_name(const Model& model, NodeId id) {
  return "'" + model.graph().node(id).name + "'";
}

std::string layer_reason(const ExplainerInfo& info, const Model& model, NodeId layer) {
  const Graph& graph = model.graph();
  if (layer >= graph.size()) {
    return "cannot work at layer " + std::to_string(layer) + ": the model has " +
           std::to_string(graph.size()) + " nodes";
  }
  if (info.layer_use == LayerUse::none) {
    return "does not work at a layer, but layer " + node_name(model, layer) + " was given";
  }
  const Shape& shape = graph.node(layer).output_shape;
  if (shape.size() != 4) {
    return "needs a spatial layer [N,C,h,w], but layer " + node_name(model, layer) + " outputs " +
           to_string(shape) + "; pick a convolution or pooling node (lumen inspect lists them)";
  }
  if (info.layer_use == LayerUse::required && layer == graph.input()) {
    return "needs a layer inside the model, not its input " + node_name(model, layer);
  }
  return {};
}

[[noreturn]] void broken(const ExplainerInfo& info, const std::string& what) {
  throw ShapeError("explainer '" + info.name + "' broke its output contract: " + what);
}

// The node Attribution::layer names; `why` says why it must name one.
const Node& attribution_layer(const ExplainerInfo& info, const Model& model, const Attribution& a,
                              const std::string& why) {
  if (!a.layer) broken(info, why + ", but Attribution::layer is empty");
  if (*a.layer >= model.graph().size()) {
    broken(info, "Attribution::layer " + std::to_string(*a.layer) + " is not a node of the model");
  }
  return model.graph().node(*a.layer);
}

// Note [output contract]: what every attribution must look like, checked after compute so that a
// plugin breaking it fails where it broke, naming the method, not later in a host or a metric.
void check_output(const ExplainerInfo& info, const ExplainRequest& request, const Attribution& a) {
  const Shape& in = request.input.shape();
  if (info.output == OutputSpace::input) {
    if (a.map.shape() != in) {
      broken(info, "an input-space map must have the input's shape " + to_string(in) + ", got " +
                       to_string(a.map.shape()));
    }
    if (a.layer_map.empty()) return;
    const Node& node = attribution_layer(info, request.model, a, "it returned a layer map");
    Shape expected = node.output_shape;
    if (!expected.empty()) expected[0] = in[0];
    if (a.layer_map.shape() != expected) {
      broken(info, "the layer map at '" + node.name + "' must have the layer's shape " +
                       to_string(expected) + ", got " + to_string(a.layer_map.shape()));
    }
    return;
  }
  const Shape map{in[0], 1, in[2], in[3]};
  if (a.map.shape() != map) {
    broken(info, "a layer-space map must be [N,1,H,W] = " + to_string(map) + ", got " +
                     to_string(a.map.shape()));
  }
  const Node& node =
      attribution_layer(info, request.model, a, "a layer-space method must name its layer");
  const Shape& out = node.output_shape;
  if (out.size() != 4) {
    broken(info, "its layer '" + node.name + "' is not spatial (output " + to_string(out) + ")");
  }
  const Shape layer_map{in[0], 1, out[2], out[3]};
  if (a.layer_map.shape() != layer_map) {
    broken(info, "the layer map at '" + node.name + "' must be [N,1,h,w] = " +
                     to_string(layer_map) + ", got " + to_string(a.layer_map.shape()));
  }
}

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

std::optional<std::string> why_not(const ExplainerInfo& info, const Model& model,
                                   std::optional<NodeId> layer) {
  if (layer) {
    if (std::string reason = layer_reason(info, model, *layer); !reason.empty()) return reason;
  }
  // The GAP head first: a model without one may lack spatial layers too, and the head is what a
  // CAM method was made for.
  if ((info.requirements & requires_gap_head) != 0U) {
    try {
      gap_head(model);
    } catch (const InvalidArgument& e) {
      return std::string("needs a GAP head: ") + e.what();
    }
  }
  if (!layer && info.layer_use == LayerUse::required) {
    try {
      default_spatial_layer(model);
    } catch (const InvalidArgument& e) {
      return std::string("needs a spatial layer [N,C,h,w]: ") + e.what();
    }
  }
  return std::nullopt;
}

Attribution Explainer::explain(const ExplainRequest& request, Context& context) const {
  const ExplainerInfo i = info();
  check_targets(request.model, request.input, request.targets);
  if (request.input.rank() != 4) {
    throw InvalidArgument(i.name + " explains a batch of images [N,C,H,W], got an input of shape " +
                          to_string(request.input.shape()));
  }
  request.model.check_input(request.input);
  if (const auto reason = why_not(i, request.model, request.layer)) {
    throw InvalidArgument(i.name + " " + *reason);
  }
  Attribution result;
  context.run([&] {
    const PassCounts before = context.counts();
    const double start = now_seconds();
    result = compute(request, context);
    result.seconds = now_seconds() - start;
    const PassCounts after = context.counts();
    result.passes = {after.forward - before.forward, after.backward - before.backward};
  });
  auto& components = result.components;
  std::sort(components.begin(), components.end());
  components.erase(std::unique(components.begin(), components.end()), components.end());
  check_output(i, request, result);
  return result;
}

}  // namespace lumen
