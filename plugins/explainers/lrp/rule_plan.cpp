#include "rule_plan.hpp"

#include <lumen/error.hpp>
#include <lumen/layer.hpp>

namespace lumen::lrp {

// Note [composites]
// Zennit's composites pick a rule by module type, in this order: element-wise activations Pass,
// Zennit's Sum (residual additions) and average pooling Norm (= epsilon with its fixed 1e-6
// stabiliser), convolutions the composite's rule, torch.nn.Linear Epsilon; the first layer of a
// "special first layer" composite gets its own rule (EpsilonGammaBox: the first convolution gets
// ZBox; EpsilonPlusFlat: the first convolution or dense layer gets Flat). Modules with no rule
// (max-pooling, flatten, unfolded batch-norm) keep their gradient. In lumen's graphs: Conv is a
// convolution, Gemm a dense layer, AveragePool/GlobalAveragePool average pooling, "first" is the
// first matching node in topological order. Add is split in proportion by the engine (Zennit's
// Norm, with a 1e-9 instead of 1e-6 stabiliser); max-pooling takes the `maxpool` rule
// (winner-take-all is Zennit's gradient). Other linear layers (Mul by a constant, a batch-norm
// that could not be folded) get epsilon like dense layers: a relevance rule map cannot fall back
// to the gradient.

namespace {

struct Composite {
  const char* name;
  RuleChoice conv;
  RuleChoice first;  // rule empty: no special first layer
  bool first_includes_dense;
};

const std::vector<Composite>& composites() {
  static const std::vector<Composite> all = {
      {"epsilon-plus", {"zplus", {}}, {}, false},
      {"epsilon-alpha2-beta1", {"alpha-beta", {{"alpha", "2"}, {"beta", "1"}}}, {}, false},
      {"epsilon-plus-flat", {"zplus", {}}, {"flat", {}}, true},
      {"epsilon-gamma-box", {"gamma", {}}, {"zbox", {}}, false},
  };
  return all;
}

bool is_average_pool(const std::string& op) {
  return op == "AveragePool" || op == "GlobalAveragePool";
}

std::map<NodeId, RuleChoice> plan_composite(const Model& model, const Composite& c,
                                            const std::string& maxpool) {
  const Graph& g = model.graph();
  std::map<NodeId, RuleChoice> plan;
  bool first_done = c.first.rule.empty();
  for (NodeId id : g.topological_order()) {
    if (id == g.input()) continue;
    const Layer& layer = *g.node(id).layer;
    const std::string op = layer.op_type();
    if (!first_done && (op == "Conv" || (c.first_includes_dense && op == "Gemm"))) {
      plan[id] = c.first;
      first_done = true;
    } else if (op == "Conv") {
      plan[id] = c.conv;
    } else if (is_average_pool(op)) {
      plan[id] = {"epsilon", {{"epsilon", "1e-6"}}};
    } else if (layer.as_linear()) {
      plan[id] = {"epsilon", {}};
    } else if (layer.kind() == LayerKind::activation) {
      plan[id] = {"pass", {}};
    } else if (op == "MaxPool") {
      plan[id] = {maxpool, {}};
    }
  }
  return plan;
}

}  // namespace

std::vector<std::string> composite_names() {
  std::vector<std::string> names{kNoComposite};
  for (const auto& c : composites()) names.emplace_back(c.name);
  return names;
}

std::map<NodeId, RuleChoice> plan_rules(const Model& model, const PlanRequest& request) {
  const Graph& g = model.graph();
  std::map<NodeId, RuleChoice> plan;
  if (request.composite == kNoComposite) {
    for (NodeId id : g.topological_order()) {
      const Layer& layer = *g.node(id).layer;
      if (id == g.input()) continue;
      if (layer.as_linear()) plan[id] = {request.rule, {}};
      if (layer.op_type() == "MaxPool") plan[id] = {request.maxpool, {}};
    }
  } else {
    const Composite* found = nullptr;
    for (const auto& c : composites()) {
      if (request.composite == c.name) found = &c;
    }
    if (!found) throw InvalidArgument("lrp: unknown composite '" + request.composite + "'");
    plan = plan_composite(model, *found, request.maxpool);
  }
  for (const auto& [node, rule] : request.overrides) plan[g.at(node)] = {rule, {}};
  return plan;
}

}  // namespace lumen::lrp
