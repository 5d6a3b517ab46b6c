// Composites: complete info, rules that exist and take the composite's parameters, and a rule for
// every linear layer of the test models with relevance that propagates to finite values.
#include <cmath>
#include <string>
#include <vector>

#include "check_support.hpp"
#include "lumen/composite.hpp"
#include "lumen/conformance/checks.hpp"
#include "lumen/context.hpp"
#include "lumen/error.hpp"
#include "lumen/propagation.hpp"
#include "lumen/registry.hpp"
#include "test_cases.hpp"

namespace lumen::conformance {

namespace {

using detail::fail;

std::string info_complete(const CompositeInfo& c, const std::string& key) {
  std::vector<std::string> problems;
  if (c.name != key)
    problems.push_back("CompositeInfo::name '" + c.name + "' differs from its key");
  if (!detail::is_kebab_case(c.name)) problems.push_back("name '" + c.name + "' is not kebab-case");
  if (c.summary.empty()) problems.push_back("the summary is empty");
  std::size_t entries = 0;
  for (const auto* list : {&c.layers, &c.first, &c.last}) {
    for (const auto& e : *list) {
      ++entries;
      if (e.select.by != NodeSelector::By::kind) continue;
      for (const auto& kind : e.select.values) {
        bool known = false;
        for (int k = 0; k <= static_cast<int>(LayerKind::output); ++k)
          known = known || kind == to_string(static_cast<LayerKind>(k));
        if (!known) problems.push_back("selector names the unknown layer kind '" + kind + "'");
      }
    }
  }
  if (!problems.empty()) fail(detail::join(problems, "; "));
  return std::to_string(entries) + " entries";
}

std::string rules_registered(const Registry& registry, const CompositeInfo& c) {
  std::vector<std::string> problems;
  std::vector<std::string> rules;
  for (const auto* list : {&c.layers, &c.first, &c.last}) {
    for (const auto& e : *list) {
      try {
        const RuleInfo& info = registry.rule_info(e.rule.rule);
        if (info.signal != Signal::relevance) {
          problems.push_back("rule '" + e.rule.rule + "' does not propagate relevance");
        }
        Params::validate(info.params, e.rule.params, "rule '" + e.rule.rule + "'");
        rules.push_back(e.rule.rule);
      } catch (const Error& error) {
        problems.push_back(error.what());
      }
    }
  }
  if (!problems.empty()) fail(detail::join(problems, "; "));
  return "rules " + detail::join(rules, ", ");
}

std::string propagates(const Registry& registry, const CompositeInfo& c, const Model& model,
                       std::shared_ptr<const Backend> backend) {
  const auto planned = make_rules(registry, model, plan_rules(model, c), {}, c.name);
  Context context(std::move(backend), 1, 7);
  const Tensor input = detail::sample_input(model, 2, 43);
  const NodeId in = model.graph().input();
  const auto run = propagate_from_targets(model, input, detail::sample_targets(model, 2, 43),
                                          planned.rules, StartValue::logit, {in}, context);
  for (float v : run.signals.at(in).values()) {
    if (!std::isfinite(v)) fail("the relevance at the input is not finite");
  }
  return std::to_string(planned.notes.size()) + " nodes with a rule";
}

}  // namespace

void check_composite(const Registry& registry, const Subject& item, Report& report) {
  const CompositeInfo* info = nullptr;
  report.run(item, "info complete", [&] {
    info = &registry.composite(item.name);
    return info_complete(*info, item.name);
  });
  if (!info) return;
  if (!report.run(item, "names registered relevance rules with valid parameters",
                  [&] { return rules_registered(registry, *info); })) {
    return;
  }
  const auto backend = detail::find_reference_backend(registry);
  for (const auto& test : detail::test_models(true)) {
    const std::string check = "gives every linear layer of the " + test.name +
                              " model a rule that handles it, with finite relevance";
    if (!backend) {
      report.record({item, check, Outcome::fail, detail::missing_reference_backend()});
      continue;
    }
    report.run(item, check, [&] { return propagates(registry, *info, test.model, backend); });
  }
}

}  // namespace lumen::conformance
