#include "lumen/canonizer.hpp"

#include <algorithm>

#include "lumen/error.hpp"
#include "lumen/registry.hpp"

namespace lumen {

Canonizer::~Canonizer() = default;

namespace {

// `model` with the layers of `rewrite` in place of its own. Nodes are added in id order, which is
// a creation order of the original graph, so every node keeps its id, name and inputs.
Model with_layers(const Model& model, const Rewrite& rewrite, const std::string& canonizer) {
  const Graph& g = model.graph();
  for (const auto& [id, layer] : rewrite.layers) {
    if (id >= g.size() || id == g.input() || !layer) {
      throw InvalidArgument("canonizer '" + canonizer + "' replaces node " + std::to_string(id) +
                            (id < g.size() ? " ('" + g.node(id).name + "')" : std::string()) +
                            ", which is not a layer of the model, or with no layer");
    }
  }
  Graph out;
  for (NodeId id = 0; id < g.size(); ++id) {
    const Node& n = g.node(id);
    if (id == g.input()) {
      out.add_input(n.name, Shape(n.output_shape.begin() + 1, n.output_shape.end()));
      continue;
    }
    const auto replaced = rewrite.layers.find(id);
    out.add_node(n.name, n.output_name,
                 replaced == rewrite.layers.end() ? n.layer : replaced->second, n.inputs);
    if (out.node(id).output_shape != n.output_shape) {
      throw InvalidArgument("canonizer '" + canonizer + "' changes the output shape of node '" +
                            n.name + "' from " + to_string(n.output_shape) + " to " +
                            to_string(out.node(id).output_shape));
    }
  }
  out.finalize(g.output());
  return Model(std::move(out), model.input_spec(), model.labels());
}

}  // namespace

CanonizedModel canonize(const Model& model, std::span<const std::string> names,
                        const Registry& registry, const Backend& backend) {
  std::vector<std::shared_ptr<const Canonizer>> canonizers;
  for (const auto& name : names) canonizers.push_back(registry.canonizer(name));
  CanonizedModel out{with_layers(model, {}, ""), {}, {}};
  for (std::size_t i = 0; i < canonizers.size(); ++i) {
    Rewrite rewrite = canonizers[i]->rewrite(out.model, backend);
    out.model = with_layers(out.model, rewrite, names[i]);
    for (auto& note : rewrite.notes) out.notes.push_back(std::move(note));
    out.components.push_back({"canonizer", names[i]});
  }
  return out;
}

namespace param {

ParamSpec canonizers(const Registry& registry, const std::string& default_value) {
  const auto names = registry.canonizer_names();
  const bool registered = std::find(names.begin(), names.end(), default_value) != names.end();
  return choice_list("canonizers", registered ? default_value : "", names,
                     "canonizers applied to the model first, in order (comma-separated; "
                     "empty: none)");
}

}  // namespace param

}  // namespace lumen
