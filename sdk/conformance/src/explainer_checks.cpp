#include <span>
#include <string>
#include <vector>

#include "check_support.hpp"
#include "explainer_runs.hpp"
#include "lumen/conformance/checks.hpp"
#include "lumen/error.hpp"
#include "lumen/registry.hpp"

namespace lumen::conformance {

namespace {

using detail::fail;

std::string info_complete(const ExplainerInfo& info, const std::string& key) {
  std::vector<std::string> problems;
  if (info.name != key) {
    problems.push_back("info().name '" + info.name + "' differs from its registered name");
  }
  if (!detail::is_kebab_case(info.name))
    problems.push_back("name '" + info.name + "' is not kebab-case");
  const int family = static_cast<int>(info.family);
  if (family < 0 || family > static_cast<int>(Family::adversarial)) {
    problems.push_back("family " + std::to_string(family) + " is not a known family");
  }
  if (info.summary.empty()) problems.push_back("the summary is empty");
  if (info.citation.empty()) problems.push_back("the citation is empty");
  constexpr unsigned known =
      requires_gradients | requires_layer_access | requires_training | requires_gap_head;
  if ((info.requirements & ~known) != 0U) problems.push_back("requirements hold unknown flags");
  if (info.output != OutputSpace::input && info.output != OutputSpace::layer) {
    problems.push_back("the output space is neither input nor layer");
  }
  if (info.output == OutputSpace::layer && info.layer_use != LayerUse::required) {
    problems.push_back("a layer-space method must declare layer_use = required");
  }
  if (info.layer_use == LayerUse::required && (info.requirements & requires_layer_access) == 0U) {
    problems.push_back("layer_use = required without requires_layer_access");
  }
  for (auto& p : detail::param_spec_problems(info.params, info.name)) problems.push_back(p);
  if (!problems.empty()) fail(detail::join(problems, "; "));
  return std::to_string(info.params.size()) + " parameter(s) declared";
}

// Params::validate must refuse name=value against `specs` with an InvalidArgument whose message
// names `name`.
std::string refused(std::span<const ParamSpec> specs, const std::string& owner,
                    const std::string& name, const std::string& value) {
  try {
    Params::validate(specs, {{name, value}}, owner);
  } catch (const InvalidArgument& e) {
    const std::string message = e.what();
    if (message.find(name) == std::string::npos) {
      fail("refused, but the message does not name the parameter: " + message);
    }
    return "refused: " + message;
  }
  fail("the value '" + value + "' was accepted");
}

}  // namespace

void check_explainer(const Registry& registry, const Subject& item, Report& report) {
  std::shared_ptr<const Explainer> explainer;
  ExplainerInfo info;
  report.run(item, "info complete", [&] {
    explainer = registry.explainer(item.name);
    info = explainer->info();
    return info_complete(info, item.name);
  });
  if (!explainer) return;

  const std::string unknown = "conformance_unknown_parameter";
  report.run(item, "unknown parameter refused",
             [&] { return refused(info.params, info.name, unknown, "1"); });
  bool any_range = false;
  for (const ParamSpec& spec : info.params) {
    for (const auto& [name, value] : detail::out_of_range_values(spec)) {
      any_range = true;
      report.run(item, "out-of-range parameter " + name + "=" + value + " refused",
                 // Against its own spec alone, so another parameter's broken default cannot answer.
                 [&] {
                   return refused({&spec, 1}, info.name, name, value);
                 });
    }
  }
  if (!any_range) {
    report.record({item, "out-of-range parameters refused", Outcome::skip,
                   "no integer or real parameter has a finite bound"});
  }

  if (!info.stochastic) {
    report.record({item, "another seed gives another map", Outcome::skip,
                   "info() does not declare the method stochastic"});
  }
  const auto backend = detail::find_reference_backend(registry);
  if (!backend) {
    report.record(
        {item, "runs on the test models", Outcome::fail, detail::missing_reference_backend()});
    return;
  }
  for (const auto& test : detail::test_models(true)) {
    detail::check_explainer_runs(*explainer, info, test, backend, item, report);
  }
}

}  // namespace lumen::conformance
