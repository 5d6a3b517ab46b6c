#include "lumen/trace.hpp"

#include <algorithm>
#include <cmath>

#include "lumen/context.hpp"
#include "lumen/error.hpp"
#include "lumen/model.hpp"

namespace lumen {

Trace::Trace(std::size_t node_count)
    : outputs_(node_count), states_(node_count), present_(node_count, false) {}

bool Trace::has(NodeId id) const { return id < present_.size() && present_[id]; }

const Tensor& Trace::output(NodeId id) const {
  if (!has(id)) throw Error("the trace did not keep the output of node " + std::to_string(id));
  return outputs_[id];
}

const LayerState* Trace::state(NodeId id) const {
  return id < states_.size() ? states_[id].get() : nullptr;
}

void Trace::set(NodeId id, Tensor output, std::unique_ptr<LayerState> state) {
  outputs_.at(id) = std::move(output);
  states_.at(id) = std::move(state);
  present_.at(id) = true;
}

void Trace::drop(NodeId id) {
  outputs_.at(id) = Tensor();
  states_.at(id).reset();
  present_.at(id) = false;
}

Trace run_forward(const Model& model, const Tensor& input, Context& context,
                  const ForwardOptions& options) {
  model.check_input(input);
  const Graph& g = model.graph();
  Trace trace(g.size());
  // Remaining readers per node, so outputs nobody keeps are freed as soon as possible.
  std::vector<std::size_t> readers(g.size());
  std::vector<bool> keep(g.size(), options.keep_all);
  for (NodeId id : options.keep) keep.at(id) = true;
  keep[g.output()] = true;
  for (NodeId id = 0; id < g.size(); ++id) readers[id] = g.consumers(id).size();

  for (NodeId id : g.topological_order()) {
    context.check_cancelled();
    const Node& n = g.node(id);
    if (id == g.input()) {
      trace.set(id, input, nullptr);
      continue;
    }
    std::vector<const Tensor*> args;
    args.reserve(n.inputs.size());
    for (NodeId i : n.inputs) args.push_back(&trace.output(i));
    std::unique_ptr<LayerState> state;
    Tensor out;
    try {
      out = n.layer->forward(args, context.backend(), options.keep_all ? &state : nullptr);
    } catch (const Cancelled&) {
      throw;
    } catch (const Error& e) {
      throw Error("node '" + n.name + "' (" + n.layer->op_type() + "): " + e.what());
    }
    trace.set(id, std::move(out), std::move(state));
    for (NodeId i : n.inputs) {
      if (--readers[i] == 0 && !keep[i]) trace.drop(i);
    }
  }
  context.count_forward(input.dim(0));
  return trace;
}

Tensor node_output(const Model& model, const Tensor& input, NodeId node, Context& context) {
  ForwardOptions options;
  options.keep_all = false;
  options.keep = {node};
  return run_forward(model, input, context, options).output(node);
}

Tensor predict_logits(const Model& model, const Tensor& input, Context& context) {
  return node_output(model, input, model.logits_node(), context);
}

namespace {

// The nodes to recompute when the output of `node` changes: those that depend on it and that the
// logits depend on, `node` excluded.
std::vector<bool> head_nodes(const Model& model, NodeId node) {
  const Graph& g = model.graph();
  if (node >= g.size()) {
    throw InvalidArgument("run_head: no node " + std::to_string(node) + " in the model");
  }
  std::vector<bool> depends(g.size(), false);
  depends[node] = true;
  for (NodeId id : g.topological_order()) {
    for (NodeId i : g.node(id).inputs) depends[id] = depends[id] || depends[i];
  }
  const NodeId logits = model.logits_node();
  if (!depends[logits] || logits == node) {
    throw InvalidArgument("run_head: the logits do not depend on node '" + g.node(node).name +
                          "' through any layer");
  }
  std::vector<bool> needed(g.size(), false);
  needed[logits] = true;
  const auto& order = g.topological_order();
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    if (!needed[*it]) continue;
    for (NodeId i : g.node(*it).inputs) needed[i] = true;
  }
  std::vector<bool> head(g.size(), false);
  for (NodeId id = 0; id < g.size(); ++id) head[id] = depends[id] && needed[id] && id != node;
  return head;
}

Tensor repeat_sample(const Tensor& batch, std::int64_t sample, std::int64_t m) {
  const Tensor one = batch.batch_slice(sample);
  Shape shape = one.shape();
  shape[0] = m;
  Tensor out(shape);
  for (std::int64_t r = 0; r < m; ++r) {
    std::copy(one.data(), one.data() + one.size(), out.data() + r * one.size());
  }
  return out;
}

}  // namespace

std::vector<NodeId> head_inputs(const Model& model, NodeId node) {
  const std::vector<bool> head = head_nodes(model, node);
  const Graph& g = model.graph();
  std::vector<bool> read(g.size(), false);
  for (NodeId id = 0; id < g.size(); ++id) {
    if (!head[id]) continue;
    for (NodeId i : g.node(id).inputs) read[i] = read[i] || (!head[i] && i != node);
  }
  std::vector<NodeId> out;
  for (NodeId id = 0; id < g.size(); ++id) {
    if (read[id]) out.push_back(id);
  }
  return out;
}

Tensor run_head(const Model& model, NodeId node, const Tensor& value, const Trace& trace,
                std::int64_t sample, Context& context) {
  const std::vector<bool> head = head_nodes(model, node);
  const Graph& g = model.graph();
  const Node& start = g.node(node);
  const Shape& per_sample = start.output_shape;
  if (value.rank() != static_cast<std::int64_t>(per_sample.size()) || value.dim(0) < 1 ||
      !std::equal(per_sample.begin() + 1, per_sample.end(), value.shape().begin() + 1)) {
    throw InvalidArgument("run_head: the value for node '" + start.name + "' has shape " +
                          to_string(value.shape()) + "; expected [M" +
                          to_string(per_sample).substr(2));
  }
  const std::int64_t m = value.dim(0);
  // The recomputed outputs and the trace's outputs repeated M times, by node.
  std::vector<Tensor> outputs(g.size());
  std::vector<bool> ready(g.size(), false);
  std::vector<std::size_t> readers(g.size(), 0);
  for (NodeId id = 0; id < g.size(); ++id) {
    if (!head[id]) continue;
    for (NodeId i : g.node(id).inputs) ++readers[i];
  }
  auto input_of = [&](NodeId i) -> const Tensor& {
    if (i == node) return value;
    if (!ready[i]) {
      const Tensor& kept = trace.output(i);
      if (sample < 0 || sample >= kept.dim(0)) {
        throw InvalidArgument("run_head: sample " + std::to_string(sample) +
                              " is outside the trace's batch of " + std::to_string(kept.dim(0)));
      }
      outputs[i] = repeat_sample(kept, sample, m);
      ready[i] = true;
    }
    return outputs[i];
  };
  const NodeId logits = model.logits_node();
  for (NodeId id : g.topological_order()) {
    if (!head[id]) continue;
    context.check_cancelled();
    const Node& n = g.node(id);
    std::vector<const Tensor*> args;
    args.reserve(n.inputs.size());
    for (NodeId i : n.inputs) args.push_back(&input_of(i));
    try {
      outputs[id] = n.layer->forward(args, context.backend(), nullptr);
    } catch (const Cancelled&) {
      throw;
    } catch (const Error& e) {
      throw Error("node '" + n.name + "' (" + n.layer->op_type() + "): " + e.what());
    }
    ready[id] = true;
    for (NodeId i : n.inputs) {
      if (i != node && --readers[i] == 0) outputs[i] = Tensor();
    }
  }
  context.count_forward(m);
  return std::move(outputs[logits]);
}

Tensor softmax_rows(const Tensor& scores) {
  if (scores.rank() != 2)
    throw ShapeError("softmax_rows needs [N,K], got " + to_string(scores.shape()));
  Tensor out(scores.shape());
  const auto n = scores.dim(0);
  const auto k = scores.dim(1);
  for (std::int64_t r = 0; r < n; ++r) {
    const float* s = scores.data() + r * k;
    float* o = out.data() + r * k;
    const float m = *std::max_element(s, s + k);
    double total = 0.0;
    for (std::int64_t j = 0; j < k; ++j) total += std::exp(static_cast<double>(s[j] - m));
    for (std::int64_t j = 0; j < k; ++j) {
      o[j] = static_cast<float>(std::exp(static_cast<double>(s[j] - m)) / total);
    }
  }
  return out;
}

}  // namespace lumen
