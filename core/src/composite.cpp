#include "lumen/composite.hpp"

#include <algorithm>
#include <charconv>
#include <memory>
#include <optional>
#include <set>

#include "lumen/error.hpp"
#include "lumen/model.hpp"
#include "lumen/registry.hpp"

namespace lumen {

bool NodeSelector::matches(const Node& node) const {
  const Layer& layer = *node.layer;
  const auto any = [&](const std::string& value) {
    return std::find(values.begin(), values.end(), value) != values.end();
  };
  switch (by) {
    case By::node: return any(node.name);
    case By::op: return any(layer.op_type());
    case By::kind: return any(to_string(layer.kind()));
    case By::linear: return layer.as_linear() != nullptr;
  }
  return false;
}

namespace {

const CompositeEntry* first_selecting(const std::vector<CompositeEntry>& entries,
                                      const Node& node) {
  for (const auto& entry : entries) {
    if (entry.select.matches(node)) return &entry;
  }
  return nullptr;
}

}  // namespace

RulePlan plan_rules(const Model& model, const CompositeInfo& composite) {
  const Graph& g = model.graph();
  RulePlan plan;
  std::vector<NodeId> order;
  for (NodeId id : g.topological_order()) {
    if (id != g.input()) order.push_back(id);
  }
  for (NodeId id : order) {
    if (const auto* entry = first_selecting(composite.layers, g.node(id))) plan[id] = entry->rule;
  }
  for (NodeId id : order) {
    if (const auto* entry = first_selecting(composite.first, g.node(id))) {
      plan[id] = entry->rule;
      break;
    }
  }
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    if (const auto* entry = first_selecting(composite.last, g.node(*it))) {
      plan[*it] = entry->rule;
      break;
    }
  }
  return plan;
}

CompositeInfo find_composite(const Registry& registry, std::string_view name_or_file) {
  if (name_or_file.ends_with(".json"))
    return read_composite_file(std::filesystem::path(name_or_file), registry);
  return registry.composite(name_or_file);
}

namespace {

std::string describe(const std::string& rule, const std::map<std::string, std::string>& params) {
  std::string s = rule;
  if (params.empty()) return s;
  s += " (";
  bool first = true;
  for (const auto& [k, v] : params) {
    s += (first ? "" : ", ") + k + "=" + v;
    first = false;
  }
  return s + ")";
}

// The input box [0, 1] as the model sees it after its normalisation, per channel:
// low_c = (0 - mean_c) / std_c, high_c = (1 - mean_c) / std_c; nothing when the model does not
// know its normalisation.
std::optional<std::pair<std::string, std::string>> normalised_unit_box(const Model& model) {
  const InputSpec& spec = model.input_spec();
  if (spec.mean.empty() || spec.std.empty() || spec.mean.size() != spec.std.size()) {
    return std::nullopt;
  }
  auto list = [](const std::vector<float>& values) {
    std::string out;
    for (float v : values) {
      char text[32];
      out += (out.empty() ? "" : ",") +
             std::string(text, std::to_chars(text, text + sizeof text, v).ptr);  // exact
    }
    return out;
  };
  std::vector<float> low, high;
  for (std::size_t c = 0; c < spec.mean.size(); ++c) {
    low.push_back((0.0F - spec.mean[c]) / spec.std[c]);
    high.push_back((1.0F - spec.mean[c]) / spec.std[c]);
  }
  return std::pair{list(low), list(high)};
}

bool declares(const RuleInfo& info, const std::string& name) {
  return std::any_of(info.params.begin(), info.params.end(),
                     [&](const ParamSpec& spec) { return spec.name == name; });
}

// A relevance rule for no layer: the default of a planned rule map, whose planned nodes have
// their own rules and whose other nodes the engine routes (make_rules leaves no linear node out).
class Unassigned final : public Rule {
 public:
  std::string name() const override { return "unassigned"; }
  Signal signal() const override { return Signal::relevance; }
  bool applies_to(const Layer&) const override { return false; }
  std::vector<Tensor> propagate(const RuleInput&) const override { return {}; }
};

}  // namespace

PlannedRules make_rules(const Registry& registry, const Model& model, const RulePlan& plan,
                        const std::map<std::string, std::string>& given, std::string_view owner) {
  const std::string who(owner);
  const Graph& g = model.graph();
  PlannedRules out{RuleMap(std::make_shared<const Unassigned>()), {}, {}};
  const auto unit_box = normalised_unit_box(model);
  std::map<std::string, std::shared_ptr<const Rule>> made;  // by label
  std::set<std::string> used;
  for (NodeId id : g.topological_order()) {
    const Node& node = g.node(id);
    const auto it = plan.find(id);
    if (it == plan.end()) {
      if (id != g.input() && node.layer->as_linear()) {
        throw InvalidArgument(who + ": linear node '" + node.name + "' (" + node.layer->op_type() +
                              ") gets no rule; the composite must give " +
                              "every linear layer one");
      }
      continue;
    }
    const RuleChoice& choice = it->second;
    const RuleInfo& info = registry.rule_info(choice.rule);
    if (info.signal != Signal::relevance) {
      throw InvalidArgument(who + ": rule '" + choice.rule + "' does not propagate relevance");
    }
    auto params = choice.params;
    for (const auto& spec : info.params) {
      const auto value = given.find(spec.name);
      if (value == given.end() || params.count(spec.name)) continue;
      params[spec.name] = value->second;
      used.insert(spec.name);
    }
    // A box rule (z-box) left at its own default [0, 1] would bound the raw pixels, but the
    // model sees them normalised: give it the normalised box instead.
    if (unit_box && declares(info, "low") && declares(info, "high") && !params.count("low") &&
        !params.count("high")) {
      params["low"] = unit_box->first;
      params["high"] = unit_box->second;
    }
    const std::string label = describe(choice.rule, params);
    auto& rule = made[label];
    if (!rule) {
      rule = registry.make_rule(choice.rule, params);
      out.components.push_back({"rule", choice.rule});
    }
    if (!rule->applies_to(*node.layer)) {
      throw InvalidArgument(who + ": rule '" + choice.rule + "' planned for node '" + node.name +
                            "' does not handle its layer (" + node.layer->op_type() + ")");
    }
    out.rules.for_node(node.name, rule);
    out.notes.push_back("rule " + node.name + ": " + label);
  }
  for (const auto& [name, value] : given) {
    if (used.count(name)) continue;
    std::string rules;
    for (const auto& [label, rule] : made) rules += (rules.empty() ? "" : "; ") + label;
    throw InvalidArgument(who + ": parameter '" + name + "' = " + value +
                          " is taken by no rule in use where the plan leaves it free (rules in " +
                          "use: " + (rules.empty() ? "none" : rules) + ")");
  }
  return out;
}

namespace param {

ParamSpec composite(const Registry& registry, const std::string& none_means) {
  std::string names;
  for (const auto& name : registry.composite_names()) names += (names.empty() ? "" : ", ") + name;
  return text("composite", "none",
              "none (" + none_means + "), a registered composite (" +
                  (names.empty() ? "none registered" : names) +
                  ") or a composite file NAME.json (docs/methods/lrp.md)");
}

}  // namespace param

}  // namespace lumen
