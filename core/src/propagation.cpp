#include "lumen/propagation.hpp"

#include <algorithm>
#include <optional>

#include "gated_product.hpp"
#include "layer_norm_relevance.hpp"
#include "layers/broadcast.hpp"
#include "lumen/context.hpp"
#include "lumen/elementwise.hpp"
#include "lumen/error.hpp"
#include "lumen/explainer.hpp"
#include "lumen/model.hpp"
#include "lumen/trace.hpp"

namespace lumen {

namespace {

// Note [relevance routing]
// Relevance rules (LRP and relatives) are written for linear layers. Where the selected rule does
// not apply to a node, the engine routes relevance so that its total is kept:
//  - element-wise layers (activations, Identity/Dropout, LRN, Softmax) pass it through unchanged;
//  - LayerNormalization uses the LN rule (Note [relevance through LayerNorm] in
//    layer_norm_relevance.cpp);
//  - Add (of activations, or of a constant) and Sub of activations split it in proportion to each
//    input's share of the output, R_k = s_k x_k / y * R (s_k = -1 for Sub's second input, 1
//    otherwise), with y stabilised away from 0; a broadcast input gets its shares summed over the
//    axes it was repeated along;
//  - a product of two activations sends it all to the signal and none to the gate (Note [gated
//    products] in gated_product.cpp), a quotient all to the numerator and none to the divisor
//    (Note [quotients]);
//  - layers that only move values (Flatten, Reshape, Concat, Pad, max-pooling) use their own
//    backward, which routes every output value to where it came from (winner-take-all at max-pool);
//  - a linear layer the rule does not handle is an error: silently using its gradient would break
//    conservation.
// Gradient rule maps never need this: the gradient rule applies to every layer.
constexpr float kSplitStabiliser = 1e-9F;

bool passes_through(const Layer& layer) {
  const auto kind = layer.kind();
  if (kind == LayerKind::activation || kind == LayerKind::output) return true;
  if (kind == LayerKind::normalisation && !layer.as_linear()) return true;
  const auto op = layer.op_type();
  return op == "Identity" || op == "Dropout";
}

std::vector<Tensor> split_proportionally(const RuleInput& in) {
  const Tensor& y = in.output;
  const bool sub = in.node.layer->op_type() == "Sub";
  std::vector<Tensor> out;
  for (std::size_t k = 0; k < in.inputs.size(); ++k) {
    const Tensor x = layers::expand_to(*in.inputs[k], y.shape());
    const float sign = sub && k == 1 ? -1.0F : 1.0F;
    auto r = Tensor::uninitialised(y.shape());
    const float* ys = y.data();
    const float* xs = x.data();
    const float* up = in.upstream.data();
    float* rs = r.data();
    for_each_block(r.size(), [&](std::int64_t begin, std::int64_t end) {
      for (std::int64_t i = begin; i < end; ++i) {
        const float d = ys[i] + (ys[i] >= 0.0F ? kSplitStabiliser : -kSplitStabiliser);
        rs[i] = sign * xs[i] / d * up[i];
      }
    });
    out.push_back(layers::reduce_to(r, in.inputs[k]->shape()));
  }
  return out;
}

std::vector<Tensor> route(const Graph& graph, const Rule& rule, const RuleInput& in) {
  const Layer& layer = *in.node.layer;
  if (rule.applies_to(layer)) return rule.propagate(in);
  if (rule.signal() == Signal::gradient)
    return layer.backward(in.inputs, in.output, in.state, in.upstream, in.backend);
  if (detail::is_layer_norm(in.node)) return detail::route_layer_norm(in);
  if (passes_through(layer)) return {in.upstream};
  if (detail::is_product(in.node)) return detail::route_gated_product(graph, in);
  if (detail::is_quotient(in.node)) return detail::route_quotient(in);
  if (layer.op_type() == "Add" || (layer.op_type() == "Sub" && in.inputs.size() == 2)) {
    return split_proportionally(in);
  }
  if (layer.kind() == LayerKind::structural || layer.kind() == LayerKind::pooling) {
    return layer.backward(in.inputs, in.output, in.state, in.upstream, in.backend);
  }
  throw InvalidArgument("rule '" + rule.name() + "' does not handle node '" + in.node.name + "' (" +
                        layer.op_type() + "); choose a rule for it in the rule map");
}

void accumulate(std::optional<Tensor>& into, Tensor&& value) {
  if (!into) {
    into = std::move(value);
    return;
  }
  float* a = into->data();
  const float* b = value.data();
  for (std::int64_t i = 0; i < into->size(); ++i) a[i] += b[i];
}

}  // namespace

std::map<NodeId, Tensor> propagate(const Model& model, const Trace& trace, const RuleMap& rules,
                                   const PropagationRequest& request, Context& context) {
  const Graph& g = model.graph();
  const Tensor& start_out = trace.output(request.start);
  if (request.start_signal.shape() != start_out.shape()) {
    throw ShapeError("start signal of shape " + to_string(request.start_signal.shape()) +
                     " for node '" + g.node(request.start).name + "', whose output is " +
                     to_string(start_out.shape()));
  }
  const auto& order = g.topological_order();
  std::vector<std::size_t> position(g.size());
  for (std::size_t i = 0; i < order.size(); ++i) position[order[i]] = i;
  std::size_t stop = position[request.start];
  for (NodeId c : request.collect) stop = std::min(stop, position.at(c));
  std::vector<bool> wanted(g.size(), false);
  for (NodeId c : request.collect) wanted.at(c) = true;

  std::vector<std::optional<Tensor>> signals(g.size());
  signals[request.start] = request.start_signal;
  for (std::size_t p = position[request.start] + 1; p-- > stop;) {
    context.check_cancelled();
    const NodeId id = order[p];
    if (!signals[id] || id == g.input()) continue;
    const Node& n = g.node(id);
    std::vector<const Tensor*> inputs;
    for (NodeId i : n.inputs) inputs.push_back(&trace.output(i));
    const RuleInput in{
        n, inputs, trace.output(id), trace.state(id), *signals[id], context.backend()};
    const Rule& rule = rules.select(model, id);
    std::vector<Tensor> back;
    try {
      back = route(g, rule, in);
    } catch (const Cancelled&) {
      throw;
    } catch (const Error& e) {
      throw Error("propagating through node '" + n.name + "' (" + n.layer->op_type() +
                  ") with rule '" + rule.name() + "': " + e.what());
    }
    if (back.size() != n.inputs.size()) {
      throw Error("rule '" + rule.name() + "' returned " + std::to_string(back.size()) +
                  " signals for node '" + n.name + "', which has " +
                  std::to_string(n.inputs.size()) + " inputs");
    }
    for (std::size_t k = 0; k < back.size(); ++k) {
      if (back[k].shape() != inputs[k]->shape()) {
        throw ShapeError("rule '" + rule.name() + "' returned a signal of shape " +
                         to_string(back[k].shape()) + " for input " + std::to_string(k) +
                         " of node '" + n.name + "', which is " + to_string(inputs[k]->shape()));
      }
      accumulate(signals[n.inputs[k]], std::move(back[k]));
    }
    if (!wanted[id]) signals[id].reset();
  }
  context.count_backward(start_out.dim(0));

  std::map<NodeId, Tensor> result;
  for (NodeId c : request.collect) {
    if (result.contains(c)) continue;  // named twice: the signal was moved out the first time
    result[c] = signals[c] ? std::move(*signals[c]) : Tensor(trace.output(c).shape());
  }
  return result;
}

TargetPropagation propagate_from_targets(const Model& model, const Tensor& input,
                                         std::span<const std::int64_t> targets,
                                         const RuleMap& rules, StartValue start,
                                         std::vector<NodeId> collect, Context& context) {
  check_targets(model, input, targets);
  TargetPropagation result{run_forward(model, input, context), {}};
  const NodeId logits = model.logits_node();
  const Tensor& scores = result.trace.output(logits);
  std::vector<float> values(targets.size(), 1.0F);
  if (start == StartValue::logit) {
    for (std::size_t s = 0; s < targets.size(); ++s) {
      values[s] = scores[static_cast<std::int64_t>(s) * scores.dim(1) + targets[s]];
    }
  }
  result.signals = propagate(
      model, result.trace, rules,
      {logits, one_hot_rows(scores.shape(), targets, values), std::move(collect)}, context);
  return result;
}

Tensor input_gradient(const Model& model, const Tensor& input,
                      std::span<const std::int64_t> targets, Context& context,
                      const RuleMap& rules) {
  const NodeId node = model.graph().input();
  auto run = propagate_from_targets(model, input, targets, rules, StartValue::one, {node}, context);
  return std::move(run.signals.at(node));
}

Tensor one_hot_rows(const Shape& logits_shape, std::span<const std::int64_t> targets,
                    std::span<const float> values) {
  if (logits_shape.size() != 2)
    throw ShapeError("one_hot_rows needs [N,K], got " + to_string(logits_shape));
  const auto n = logits_shape[0];
  const auto k = logits_shape[1];
  if (static_cast<std::int64_t>(targets.size()) != n ||
      static_cast<std::int64_t>(values.size()) != n) {
    throw InvalidArgument("one_hot_rows: " + std::to_string(targets.size()) + " targets and " +
                          std::to_string(values.size()) + " values for " + std::to_string(n) +
                          " rows");
  }
  Tensor t(logits_shape);
  for (std::int64_t r = 0; r < n; ++r) {
    if (targets[r] < 0 || targets[r] >= k) {
      throw InvalidArgument("target " + std::to_string(targets[r]) + " out of range [0, " +
                            std::to_string(k) + ")");
    }
    t[r * k + targets[r]] = values[r];
  }
  return t;
}

}  // namespace lumen
