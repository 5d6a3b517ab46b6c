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

Tensor predict_logits(const Model& model, const Tensor& input, Context& context) {
  ForwardOptions options;
  options.keep_all = false;
  options.keep = {model.logits_node()};
  return run_forward(model, input, context, options).output(model.logits_node());
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
