#pragma once
// Which rule the lrp explainer uses at each node: one rule everywhere or a Zennit composite,
// then per-node overrides (Note [composites] in rule_plan.cpp).
#include <lumen/model.hpp>
#include <map>
#include <string>
#include <vector>

namespace lumen::lrp {

inline constexpr const char* kNoComposite = "none";
std::vector<std::string> composite_names();

/// A rule by name with the parameters the plan fixes for it (the user's rule parameters fill in
/// the rest).
struct RuleChoice {
  std::string rule;
  std::map<std::string, std::string> fixed;
};

struct PlanRequest {
  std::string rule;       ///< the rule everywhere when composite is kNoComposite
  std::string composite;  ///< a name of composite_names() or kNoComposite
  std::string maxpool;    ///< the max-pooling rule
  std::map<std::string, std::string> overrides;  ///< node name -> rule name
};

/// The rule of every node that gets one (nodes left out are routed by the engine: Note
/// [relevance routing] in core/src/propagation.cpp). Throws NotFound for an override naming no
/// node of the model.
std::map<NodeId, RuleChoice> plan_rules(const Model& model, const PlanRequest& request);

}  // namespace lumen::lrp
