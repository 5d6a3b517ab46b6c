#include "lumen/relevance.hpp"

#include <utility>

#include "lumen/context.hpp"
#include "lumen/explainer.hpp"

namespace lumen {

RelevanceSetup relevance_setup(const ExplainRequest& request, const CompositeInfo& composite,
                               const std::map<std::string, std::string>& given,
                               const Registry& registry, Context& context, std::string_view owner,
                               const std::function<void(const Model&, RulePlan&)>& adjust) {
  std::optional<CanonizedModel> canonized;
  std::vector<std::string> notes;
  const auto& canonizers = request.params.choice_list("canonizers");
  if (!canonizers.empty()) {
    canonized = canonize(request.model, canonizers, registry, context.backend());
    notes = canonized->notes;
  }
  const Model& model = canonized ? canonized->model : request.model;
  RulePlan plan = plan_rules(model, composite);
  if (adjust) adjust(model, plan);
  PlannedRules planned = make_rules(registry, model, plan, given, owner);
  notes.insert(notes.end(), planned.notes.begin(), planned.notes.end());
  std::vector<Component> components = planned.components;
  if (canonized) {
    components.insert(components.end(), canonized->components.begin(), canonized->components.end());
  }
  return {&request.model,     std::move(canonized), std::move(plan),
          std::move(planned), std::move(notes),     std::move(components)};
}

}  // namespace lumen
