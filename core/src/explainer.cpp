#include "lumen/explainer.hpp"

#include <chrono>

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

NodeId default_spatial_layer(const Model& model) {
  const Graph& g = model.graph();
  const NodeId logits = model.logits_node();
  std::optional<NodeId> last_spatial, last_unpooled;
  for (NodeId id : g.topological_order()) {
    if (id == logits) break;
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

}  // namespace lumen

namespace lumen {

namespace {
double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
}  // namespace

ExplanationMeter::ExplanationMeter(const Context& context)
    : context_(context), start_(context.counts()), start_seconds_(now_seconds()) {}

void ExplanationMeter::finish(Attribution& attribution) const {
  const auto now = context_.counts();
  attribution.passes = {now.forward - start_.forward, now.backward - start_.backward};
  attribution.seconds = now_seconds() - start_seconds_;
}

}  // namespace lumen
