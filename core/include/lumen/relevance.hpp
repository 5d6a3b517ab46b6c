#pragma once
/// What the relevance explainers (lrp, deep-taylor, cnn-lrp) share: the model after the canonizers
/// the user chose and the rules a composite gives its nodes.
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lumen/canonizer.hpp"
#include "lumen/composite.hpp"
#include "lumen/export.hpp"

namespace lumen {

class Context;
struct ExplainRequest;

/// A model made ready for relevance propagation. Holds the canonized model, when there is one;
/// the request's model must outlive it.
struct RelevanceSetup {
  const Model* original = nullptr;
  std::optional<CanonizedModel> canonized;  ///< empty when no canonizer was asked for
  RulePlan plan;                            ///< the composite's plan, as `adjust` left it
  PlannedRules planned;                     ///< the plan's rules
  std::vector<std::string> notes;           ///< the canonizers' notes, then the rules'
  std::vector<Component> components;        ///< the canonizers applied and the rules made

  /// The model to propagate through: the canonized one, else the original. Canonizers keep every
  /// node's id, so the request's nodes (its layer) name the same nodes in it.
  const Model& model() const { return canonized ? canonized->model : *original; }
};

/// Applies the canonizers the request's `canonizers` parameter names (param::canonizers; none:
/// the model is used as it is), plans `composite` on the result (plan_rules), lets `adjust` change
/// the plan (overrides, rules for layers the composite leaves out) and makes its rules with the
/// user's rule parameters `given` (make_rules, naming `owner` in errors). Throws what canonize and
/// make_rules throw. Thread-safe.
LUMEN_API RelevanceSetup relevance_setup(
    const ExplainRequest& request, const CompositeInfo& composite,
    const std::map<std::string, std::string>& given, const Registry& registry, Context& context,
    std::string_view owner, const std::function<void(const Model&, RulePlan&)>& adjust = {});

}  // namespace lumen
