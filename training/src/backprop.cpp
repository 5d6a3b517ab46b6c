#include "lumen/training/backprop.hpp"

#include <algorithm>
#include <string>

#include "lumen/error.hpp"

namespace lumen::training {
namespace {

std::string node_label(const Node& n) {
  return "node '" + n.name + "' (" + n.layer->op_type() + ")";
}

void add_into(Tensor& sum, const Tensor& part, const Node& n) {
  if (sum.empty()) {
    sum = part;
    return;
  }
  if (sum.shape() != part.shape()) {
    throw ShapeError(node_label(n) + ": gradient " + to_string(part.shape()) + " does not match " +
                     to_string(sum.shape()));
  }
  for (std::int64_t i = 0; i < sum.size(); ++i) sum[i] += part[i];
}

// Rebuilds the graph with layer `replace(node)` for every node, keeping names, ids and order.
template <class Replace>
Model rebuild(const Model& model, Replace replace) {
  const Graph& g = model.graph();
  Graph out;
  for (NodeId id = 0; id < g.size(); ++id) {
    const Node& n = g.node(id);
    const NodeId made = id == g.input() ? out.add_input(n.name, model.input_spec().sample_shape)
                                        : out.add_node(n.name, n.output_name, replace(n), n.inputs);
    if (made != id) throw Error("rebuilding the model changed the id of " + node_label(n));
  }
  out.finalize(g.output());
  return Model(std::move(out), model.input_spec(), model.labels());
}

}  // namespace

Pass forward_pass(const Model& model, const Tensor& input, const Backend& backend, bool training) {
  model.check_input(input);
  const Graph& g = model.graph();
  Pass pass;
  pass.outputs.resize(g.size());
  pass.states.resize(g.size());
  for (NodeId id : g.topological_order()) {
    const Node& n = g.node(id);
    if (id == g.input()) {
      pass.outputs[id] = input;
      continue;
    }
    std::vector<const Tensor*> args;
    for (NodeId i : n.inputs) args.push_back(&pass.outputs[i]);
    try {
      const TrainingLayer* t = training ? n.layer->as_training() : nullptr;
      pass.outputs[id] = t ? t->forward_training(args, backend, &pass.states[id])
                           : n.layer->forward(args, backend, &pass.states[id]);
    } catch (const Error& e) {
      throw Error(node_label(n) + ": " + e.what());
    }
  }
  return pass;
}

std::vector<Tensor> parameter_gradients(const Model& model, const Pass& pass,
                                        const std::vector<Seed>& seeds, const Backend& backend,
                                        const std::vector<NodeId>& frozen) {
  const Graph& g = model.graph();
  std::vector<bool> trainable(g.size(), false), needs(g.size(), false);
  for (NodeId id : g.topological_order()) {
    const Node& n = g.node(id);
    trainable[id] = !n.layer->parameters().empty() &&
                    std::find(frozen.begin(), frozen.end(), id) == frozen.end();
    needs[id] = trainable[id];
    for (NodeId i : n.inputs) needs[id] = needs[id] || needs[i];
  }
  std::vector<Tensor> grads(g.size());
  for (const Seed& s : seeds) {
    if (s.node >= g.size())
      throw InvalidArgument("seed for unknown node " + std::to_string(s.node));
    add_into(grads[s.node], s.gradient, g.node(s.node));
  }
  std::vector<std::vector<Tensor>> per_node(g.size());
  const auto& order = g.topological_order();
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    const NodeId id = *it;
    const Node& n = g.node(id);
    if (grads[id].empty() || id == g.input() || !needs[id]) continue;
    std::vector<const Tensor*> args;
    bool inputs_need = false;
    for (NodeId i : n.inputs) {
      args.push_back(&pass.outputs[i]);
      inputs_need = inputs_need || needs[i];
    }
    try {
      if (trainable[id]) {
        per_node[id] = n.layer->parameter_gradients(args, pass.outputs[id], pass.states[id].get(),
                                                    grads[id], backend);
      }
      if (inputs_need) {
        auto input_grads =
            n.layer->backward(args, pass.outputs[id], pass.states[id].get(), grads[id], backend);
        for (std::size_t k = 0; k < n.inputs.size(); ++k) {
          if (needs[n.inputs[k]]) add_into(grads[n.inputs[k]], input_grads[k], g.node(n.inputs[k]));
        }
      }
    } catch (const Error& e) {
      throw Error(node_label(n) + ": " + e.what());
    }
    grads[id] = Tensor();
  }
  std::vector<Tensor> out;
  for (NodeId id = 0; id < g.size(); ++id) {
    const auto params = g.node(id).layer->parameters();
    for (std::size_t k = 0; k < params.size(); ++k) {
      out.push_back(per_node[id].empty() ? Tensor(params[k]->shape()) : std::move(per_node[id][k]));
    }
  }
  return out;
}

std::vector<Tensor> model_parameters(const Model& model) {
  std::vector<Tensor> out;
  const Graph& g = model.graph();
  for (NodeId id = 0; id < g.size(); ++id) {
    for (const Tensor* p : g.node(id).layer->parameters()) out.push_back(*p);
  }
  return out;
}

std::vector<NodeId> parameter_owners(const Model& model) {
  std::vector<NodeId> out;
  const Graph& g = model.graph();
  for (NodeId id = 0; id < g.size(); ++id) {
    out.insert(out.end(), g.node(id).layer->parameters().size(), id);
  }
  return out;
}

Model with_parameters(const Model& model, std::vector<Tensor> parameters) {
  std::size_t next = 0;
  const auto total = parameters.size();
  Model out = rebuild(model, [&](const Node& n) {
    const auto count = n.layer->parameters().size();
    if (count == 0) return n.layer;
    if (next + count > total) {
      throw InvalidArgument("with_parameters: " + std::to_string(total) +
                            " tensors are too few for " + node_label(n));
    }
    std::vector<Tensor> mine(std::make_move_iterator(parameters.begin() + next),
                             std::make_move_iterator(parameters.begin() + next + count));
    next += count;
    try {
      return n.layer->with_parameters(std::move(mine));
    } catch (const Error& e) {
      throw InvalidArgument(node_label(n) + ": " + e.what());
    }
  });
  if (next != total) {
    throw InvalidArgument("with_parameters: " + std::to_string(total) + " tensors for " +
                          std::to_string(next) + " parameters");
  }
  return out;
}

Model with_running_statistics(const Model& model, const std::vector<const Pass*>& passes,
                              float momentum) {
  return rebuild(model, [&](const Node& n) {
    const TrainingLayer* t = n.layer->as_training();
    if (!t) return n.layer;
    std::vector<const LayerState*> states;
    for (const Pass* p : passes) states.push_back(p->states.at(n.id).get());
    return t->with_running_statistics(states, momentum);
  });
}

bool has_training_layers(const Model& model) {
  const Graph& g = model.graph();
  for (NodeId id = 0; id < g.size(); ++id) {
    if (g.node(id).layer->as_training()) return true;
  }
  return false;
}

}  // namespace lumen::training
