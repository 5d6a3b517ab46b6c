#pragma once
/// Composites: which relevance rule each node of a model gets, chosen by node name, op type or
/// layer kind, with first- and last-layer overrides (Zennit's composites). Plugins register them
/// with Registrar::add_composite; users may write one as a JSON file (read_composite_file).
/// Explainers turn one into a rule map with plan_rules and make_rules.
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "lumen/component.hpp"
#include "lumen/export.hpp"
#include "lumen/graph.hpp"
#include "lumen/params.hpp"
#include "lumen/rule.hpp"

namespace lumen {

class Model;
class Registry;

/// A registered rule by name, with parameter values (as written on the command line) that the
/// composite fixes for it.
struct RuleChoice {
  std::string rule;
  std::map<std::string, std::string> params;
  bool operator==(const RuleChoice&) const = default;
};

/// Which nodes an entry of a composite applies to.
struct NodeSelector {
  enum class By {
    node,    ///< nodes named one of `values` (their names in the model file)
    op,      ///< nodes whose op type is one of `values` ("Conv", "Gemm", "AveragePool")
    kind,    ///< nodes whose layer kind is one of `values` (to_string(LayerKind): "activation")
    linear,  ///< every node whose layer is a LinearLayer, what LRP rules are written for (Conv,
             ///< Gemm, average pooling, a constant Mul, batch-norm); `values` is empty
  };
  By by = By::linear;
  std::vector<std::string> values;

  static NodeSelector nodes(std::vector<std::string> names) { return {By::node, std::move(names)}; }
  static NodeSelector ops(std::vector<std::string> types) { return {By::op, std::move(types)}; }
  static NodeSelector kinds(std::vector<std::string> kinds) { return {By::kind, std::move(kinds)}; }
  static NodeSelector linear() { return {By::linear, {}}; }

  /// Whether this selects `node`. Thread-safe.
  LUMEN_API bool matches(const Node& node) const;
  bool operator==(const NodeSelector&) const = default;
};

/// One line of a composite: the rule of the nodes its selector picks.
struct CompositeEntry {
  NodeSelector select;
  RuleChoice rule;
  bool operator==(const CompositeEntry&) const = default;
};

/// A composite, registered by a plugin or read from a JSON file. Plain data: it names rules, which
/// are looked up in the registry when an explainer makes them.
struct CompositeInfo {
  std::string name;     ///< kebab-case (a JSON composite: the file's path)
  std::string summary;  ///< one line
  /// A node gets the rule of the first entry that selects it; nodes no entry selects get none
  /// (the engine routes them: Note [relevance routing] in core/src/propagation.cpp).
  std::vector<CompositeEntry> layers;
  /// The first node in topological order that one of these selects gets that entry's rule
  /// instead (Zennit's first-layer map; e.g. z-box at the first convolution).
  std::vector<CompositeEntry> first;
  /// Likewise the last node one of these selects (e.g. the layer giving the logits).
  std::vector<CompositeEntry> last;
};

/// The rule of every node a composite gives one.
using RulePlan = std::map<NodeId, RuleChoice>;

/// The plan of `composite` on `model`: `layers` for every node but the input, then `first`, then
/// `last` (so a node that is both the first and the last gets the `last` rule). Thread-safe.
LUMEN_API RulePlan plan_rules(const Model& model, const CompositeInfo& composite);

/// Reads a composite from a JSON file (format: docs/methods/lrp.md, "Composites in JSON") and
/// checks it against the registry: every rule a registered relevance rule, every parameter one it
/// declares with a valid value. Throws IoError when the file cannot be read and InvalidArgument
/// naming the file and the key at fault (bad JSON, an unknown key, selector, layer kind or rule, a
/// bad parameter) otherwise.
LUMEN_API CompositeInfo read_composite_file(const std::filesystem::path& file,
                                            const Registry& registry);

/// The composite `name_or_file`: a path ending in ".json" is read with read_composite_file,
/// anything else is a registered composite's name (NotFound listing the registered ones).
LUMEN_API CompositeInfo find_composite(const Registry& registry, std::string_view name_or_file);

/// A plan made into rules, and what each node got.
struct PlannedRules {
  RuleMap rules;  ///< each planned node's rule, by node name; the others are routed by the engine
  std::vector<std::string> notes;     ///< "rule NODE: RULE (PARAM=VALUE, ...)", topological order
  std::vector<Component> components;  ///< each rule used, once
};

/// Makes the rules of `plan` from the registry, each distinct rule and parameters once. A rule
/// gets the parameters the plan fixes for it, plus those of `given` (the rule parameters the user
/// gave, name -> value) that it declares and the plan leaves free; the rules' own defaults fill
/// the rest, except for a box rule (one declaring `low` and `high`, as zbox) given neither, on a
/// model that knows its input normalisation: it gets the normalised pixel box, per channel
/// `low = (0 - mean) / std`, `high = (1 - mean) / std`. Throws, naming `owner`: NotFound for an
/// unknown rule; InvalidArgument for a rule that does not propagate relevance or does not handle
/// the layer of the node it is planned for, a linear node (NodeSelector::linear) without a rule, or
/// a value of `given` that no planned rule takes (listing the rules in use), and whatever a rule's
/// parameters refuse. Thread-safe.
LUMEN_API PlannedRules make_rules(const Registry& registry, const Model& model,
                                  const RulePlan& plan,
                                  const std::map<std::string, std::string>& given,
                                  std::string_view owner);

namespace param {
/// The `composite` parameter of the propagation explainers: "none" (the default: what
/// `none_means`, the method's own rules), a registered composite (the help lists them) or a .json
/// file; read with find_composite.
LUMEN_API ParamSpec composite(const Registry& registry, const std::string& none_means);
}  // namespace param

}  // namespace lumen
