#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "check_support.hpp"
#include "lumen/conformance/checks.hpp"
#include "lumen/context.hpp"
#include "lumen/error.hpp"
#include "lumen/propagation.hpp"
#include "lumen/registry.hpp"
#include "lumen/trace.hpp"
#include "test_cases.hpp"

namespace lumen::conformance {

namespace {

using detail::fail;

// The default stabilisers (epsilon 1e-6 and the engine's 1e-9 at Add) absorb a little relevance
// wherever a denominator is small; 1e-3 of the logit leaves room for that and nothing more.
constexpr double conservation_tolerance = 1e-3;

std::string info_complete(const RuleInfo& info, const std::string& key) {
  std::vector<std::string> problems;
  if (info.name != key)
    problems.push_back("RuleInfo::name '" + info.name + "' differs from its key");
  if (!detail::is_kebab_case(info.name))
    problems.push_back("name '" + info.name + "' is not kebab-case");
  if (info.summary.empty()) problems.push_back("the summary is empty");
  if (info.signal != Signal::gradient && info.signal != Signal::relevance) {
    problems.push_back("the signal is neither gradient nor relevance");
  }
  if (!info.make) problems.push_back("it has no make function");
  for (auto& p : detail::param_spec_problems(info.params, info.name)) problems.push_back(p);
  if (!problems.empty()) fail(detail::join(problems, "; "));
  return std::to_string(info.params.size()) + " parameter(s) declared";
}

// For each sample, the target with the largest |logit|: relative agreement then means something.
std::vector<std::int64_t> largest_logits(const Tensor& logits) {
  std::vector<std::int64_t> targets;
  const std::int64_t classes = logits.dim(1);
  for (std::int64_t n = 0; n < logits.dim(0); ++n) {
    std::int64_t best = 0;
    for (std::int64_t c = 1; c < classes; ++c) {
      if (std::abs(logits[n * classes + c]) > std::abs(logits[n * classes + best])) best = c;
    }
    targets.push_back(best);
  }
  return targets;
}

std::string conservation_check(const std::shared_ptr<const Rule>& rule, const Model& model,
                               std::shared_ptr<const Backend> backend) {
  Context context(std::move(backend), 1, 7);
  const Tensor input = detail::sample_input(model, 3, 41);
  const auto targets = largest_logits(predict_logits(model, input, context));
  const NodeId in = model.graph().input();
  auto run = propagate_from_targets(model, input, targets, RuleMap(rule), StartValue::logit, {in},
                                    context);
  const Tensor& relevance = run.signals.at(in);
  const Tensor& logits = run.trace.output(model.logits_node());
  const std::int64_t per_sample = relevance.size() / relevance.dim(0);
  double worst = 0.0;
  for (std::int64_t n = 0; n < relevance.dim(0); ++n) {
    double total = 0.0;
    for (std::int64_t i = 0; i < per_sample; ++i) total += relevance[n * per_sample + i];
    const double logit = logits[n * logits.dim(1) + targets[static_cast<std::size_t>(n)]];
    const double error = std::abs(total - logit) / (std::abs(logit) + 1e-6);
    if (!(error <= conservation_tolerance)) {
      fail("sample " + std::to_string(n) + ": the relevance at the input sums to " +
           detail::number(total) + ", but the target logit is " + detail::number(logit) +
           " (relative difference " + detail::number(error) + ", tolerance " +
           detail::number(conservation_tolerance) + ")");
    }
    worst = std::max(worst, error);
  }
  return "max relative difference " + detail::number(worst) + " (tolerance " +
         detail::number(conservation_tolerance) + ", for the default stabilisers)";
}

}  // namespace

void check_rule(const Registry& registry, const Subject& item, Report& report) {
  const RuleInfo* info = nullptr;
  report.run(item, "info complete", [&] {
    info = &registry.rule_info(item.name);
    return info_complete(*info, item.name);
  });
  if (!info) return;
  std::shared_ptr<const Rule> rule;
  report.run(item, "made with its default parameters", [&]() -> std::string {
    rule = registry.make_rule(item.name, {});
    if (!rule) fail("make returned no rule");
    if (rule->name() != item.name) {
      fail("the rule calls itself '" + rule->name() + "', registered as '" + item.name + "'");
    }
    if (rule->signal() != info->signal) fail("its signal differs from the one RuleInfo declares");
    return {};
  });
  if (!rule) return;
  if (!rule->conserves()) {
    report.record({item, "conserves relevance on the bias-free test models", Outcome::skip,
                   "it does not declare conservation (Rule::conserves() is false)"});
    return;
  }
  const auto backend = detail::find_reference_backend(registry);
  for (const auto& test : detail::test_models(false)) {
    const std::string check = "conserves relevance on the bias-free " + test.name + " model";
    if (!backend) {
      report.record({item, check, Outcome::fail, detail::missing_reference_backend()});
      continue;
    }
    report.run(item, check, [&] { return conservation_check(rule, test.model, backend); });
  }
}

}  // namespace lumen::conformance
