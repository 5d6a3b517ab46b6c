#include "lumen/rule.hpp"

#include <algorithm>

#include "lumen/error.hpp"
#include "lumen/model.hpp"

namespace lumen {

Rule::~Rule() = default;

namespace {

class GradientRule final : public Rule {
 public:
  std::string name() const override { return "gradient"; }
  Signal signal() const override { return Signal::gradient; }
  bool applies_to(const Layer&) const override { return true; }
  std::vector<Tensor> propagate(const RuleInput& in) const override {
    return in.node.layer->backward(in.inputs, in.output, in.state, in.upstream, in.backend);
  }
};

}  // namespace

std::shared_ptr<const Rule> gradient_rule() {
  static const auto rule = std::make_shared<const GradientRule>();
  return rule;
}

RuleMap::RuleMap(std::shared_ptr<const Rule> default_rule) : default_(std::move(default_rule)) {
  if (!default_) throw InvalidArgument("a rule map needs a default rule");
}

namespace {
void check_signal(const Rule& base, const std::shared_ptr<const Rule>& rule) {
  if (!rule) throw InvalidArgument("null rule in a rule map");
  if (rule->signal() != base.signal()) {
    throw InvalidArgument("rule '" + rule->name() + "' propagates a different signal than '" +
                          base.name() + "'; one rule map cannot mix gradients and relevance");
  }
}
}  // namespace

RuleMap& RuleMap::for_node(const std::string& node_name, std::shared_ptr<const Rule> rule) {
  check_signal(*default_, rule);
  by_node_[node_name] = std::move(rule);
  return *this;
}

RuleMap& RuleMap::for_op(const std::string& op_type, std::shared_ptr<const Rule> rule) {
  check_signal(*default_, rule);
  by_op_[op_type] = std::move(rule);
  return *this;
}

RuleMap& RuleMap::for_kind(LayerKind kind, std::shared_ptr<const Rule> rule) {
  check_signal(*default_, rule);
  by_kind_[kind] = std::move(rule);
  return *this;
}

RuleMap& RuleMap::for_first_linear(std::shared_ptr<const Rule> rule) {
  check_signal(*default_, rule);
  first_linear_ = std::move(rule);
  return *this;
}

RuleMap& RuleMap::for_last_linear(std::shared_ptr<const Rule> rule) {
  check_signal(*default_, rule);
  last_linear_ = std::move(rule);
  return *this;
}

const Rule& RuleMap::select(const Model& model, NodeId id) const {
  const Graph& g = model.graph();
  const Node& n = g.node(id);
  if (auto it = by_node_.find(n.name); it != by_node_.end()) return *it->second;
  if ((first_linear_ || last_linear_) && n.layer->as_linear()) {
    const auto& order = g.topological_order();
    auto is_linear = [&](NodeId k) { return g.node(k).layer->kind() == LayerKind::linear; };
    if (first_linear_) {
      auto it = std::find_if(order.begin(), order.end(), is_linear);
      if (it != order.end() && *it == id) return *first_linear_;
    }
    if (last_linear_) {
      auto it = std::find_if(order.rbegin(), order.rend(), is_linear);
      if (it != order.rend() && *it == id) return *last_linear_;
    }
  }
  if (auto it = by_op_.find(n.layer->op_type()); it != by_op_.end()) return *it->second;
  if (auto it = by_kind_.find(n.layer->kind()); it != by_kind_.end()) return *it->second;
  return *default_;
}

}  // namespace lumen
