// Layer-wise Relevance Propagation (Bach et al. 2015): relevance starts as the target logit's value
// f_c(x) (Zennit starts from 1, so its maps differ from ours by that factor) and flows back through
// the core propagation engine with a registered relevance rule per node: one rule everywhere or
// one of Zennit's composites (rule_plan.cpp), then per-node overrides. Batch-norm is folded into
// the preceding layer first (lumen::fold_batch_norm). Other layers route relevance as Note
// [relevance routing] in core/src/propagation.cpp describes. Given a layer, the same backward pass
// also returns the relevance at that layer's output ([N,C,h,w], Attribution::layer_map).
#include <lumen/canonize.hpp>
#include <lumen/error.hpp>
#include <lumen/explainer.hpp>
#include <lumen/model.hpp>
#include <lumen/plugin.hpp>
#include <lumen/propagation.hpp>
#include <lumen/registry.hpp>
#include <optional>
#include <set>

#include "rule_plan.hpp"

namespace {

using lumen::ParamType;

const char* const kOverridePrefix = "rule.";

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

class Lrp final : public lumen::Explainer {
 public:
  explicit Lrp(const lumen::Registry& registry) : registry_(registry) {}

  lumen::ExplainerInfo info() const override {
    lumen::ExplainerInfo i;
    i.name = "lrp";
    i.family = lumen::Family::propagation;
    i.summary =
        "layer-wise relevance propagation of the target logit with one rule or a Zennit "
        "composite, per-node overrides and batch-norm folding";
    i.citation =
        "S. Bach, A. Binder, G. Montavon, F. Klauschen, K.-R. Mueller, W. Samek. On Pixel-Wise "
        "Explanations for Non-Linear Classifier Decisions by Layer-Wise Relevance "
        "Propagation. PLOS ONE 10(7), 2015.";
    i.requirements = lumen::requires_layer_access;
    i.output = lumen::OutputSpace::input;
    i.signed_output = true;
    i.layer_use = lumen::LayerUse::optional;
    i.params = own_params();
    for (auto& spec : rule_params()) i.params.push_back(std::move(spec));
    return i;
  }

 protected:
  lumen::Attribution compute(const lumen::ExplainRequest& request,
                             lumen::Context& context) const override {
    const lumen::Params& params = request.params;
    lumen::lrp::PlanRequest plan_request{
        params.text("rule"), params.text("composite"), params.text("maxpool"), {}};
    const bool composite = plan_request.composite != lumen::lrp::kNoComposite;
    if (composite && !plan_request.rule.empty()) {
      throw lumen::InvalidArgument(
          "lrp: give either rule= (one rule everywhere) or composite=, "
          "not both (rule = '" +
          plan_request.rule + "', composite = '" + plan_request.composite + "')");
    }
    if (plan_request.rule.empty()) plan_request.rule = "epsilon";
    for (const auto& [name, value] : params.values()) {
      if (name.starts_with(kOverridePrefix))
        plan_request.overrides[name.substr(std::string(kOverridePrefix).size())] = value;
    }

    std::optional<lumen::CanonizedModel> canonized;
    if (params.boolean("fold_batch_norm"))
      canonized = lumen::fold_batch_norm(request.model, context.backend());
    const lumen::Model& model = canonized ? canonized->model : request.model;
    const lumen::Graph& g = model.graph();

    RuleMaker maker(registry_, params, rule_params());
    const auto plan = lumen::lrp::plan_rules(model, plan_request);
    lumen::RuleMap rules(maker.make({composite ? "epsilon" : plan_request.rule, {}}, false));
    lumen::Attribution a;
    if (composite) a.notes.push_back("composite: " + plan_request.composite);
    if (canonized) {
      for (const auto& [norm, linear] : canonized->folded)
        a.notes.push_back("folded batch-norm " + norm + " into " + linear);
    }
    for (NodeId id : g.topological_order()) {
      const auto it = plan.find(id);
      if (it == plan.end()) continue;
      const std::string& node = g.node(id).name;
      rules.for_node(node, maker.make(it->second, true));
      a.notes.push_back("rule " + node + ": " + maker.label(it->second));
    }
    maker.check_all_used();

    // Folding keeps every node's id, so the request's layer names the same node in `model`.
    const lumen::NodeId input = g.input();
    std::vector<lumen::NodeId> collect{input};
    if (request.layer) collect.push_back(*request.layer);
    auto run = lumen::propagate_from_targets(model, request.input, request.targets, rules,
                                             lumen::StartValue::logit, collect, context);
    if (request.layer) {
      // Copied: the layer may be the input node itself.
      a.layer_map = run.signals.at(*request.layer);
      a.layer = request.layer;
    }
    a.map = std::move(run.signals.at(input));
    return a;
  }

 private:
  using NodeId = lumen::NodeId;

  // Makes the rules of a plan, once per distinct rule and parameters, and tracks which of the
  // user's rule parameters some rule took.
  class RuleMaker {
   public:
    RuleMaker(const lumen::Registry& registry, const lumen::Params& params,
              const std::vector<lumen::ParamSpec>& specs)
        : registry_(registry) {
      // Only the rule parameters the user gave reach the rules: a rule declaring the same name
      // as another keeps its own default otherwise.
      for (const auto& spec : specs) {
        if (params.given(spec.name)) given_[spec.name] = params.text(spec.name);
      }
    }

    std::map<std::string, std::string> rule_params(const lumen::lrp::RuleChoice& choice,
                                                   bool count_use) {
      const lumen::RuleInfo& info = registry_.rule_info(choice.rule);
      if (info.signal != lumen::Signal::relevance) {
        throw lumen::InvalidArgument("lrp: rule '" + choice.rule +
                                     "' does not propagate relevance");
      }
      auto out = choice.fixed;
      for (const auto& spec : info.params) {
        const auto it = given_.find(spec.name);
        if (it == given_.end() || out.count(spec.name)) continue;
        out[spec.name] = it->second;
        if (count_use) used_.insert(spec.name);
      }
      return out;
    }

    std::shared_ptr<const lumen::Rule> make(const lumen::lrp::RuleChoice& choice, bool count_use) {
      const auto p = rule_params(choice, count_use);
      const std::string key = describe(choice.rule, p);
      auto& rule = made_[key];
      if (!rule) rule = registry_.make_rule(choice.rule, p);
      return rule;
    }

    std::string label(const lumen::lrp::RuleChoice& choice) {
      return describe(choice.rule, rule_params(choice, false));
    }

    void check_all_used() const {
      for (const auto& [name, value] : given_) {
        if (used_.count(name)) continue;
        std::string rules;
        for (const auto& [key, rule] : made_) rules += (rules.empty() ? "" : "; ") + key;
        throw lumen::InvalidArgument("lrp: parameter '" + name + "' = " + value +
                                     " is taken by no rule in use where the plan leaves it "
                                     "free (rules in use: " +
                                     rules + ")");
      }
    }

   private:
    const lumen::Registry& registry_;
    std::map<std::string, std::string> given_;
    std::set<std::string> used_;
    std::map<std::string, std::shared_ptr<const lumen::Rule>> made_;
  };

  static std::vector<lumen::ParamSpec> own_params() {
    return {
        lumen::param::text(
            "rule", "",
            "registered relevance rule at every linear layer (empty: epsilon); not with composite"),
        lumen::param::choice(
            "composite", lumen::lrp::kNoComposite, lumen::lrp::composite_names(),
            "Zennit composite choosing a rule per layer type (see docs/methods/lrp.md)"),
        lumen::param::pattern("rule",
                              "rule.NODE=RULE: the rule at node NODE, over rule= or composite="),
        lumen::param::choice("maxpool", "winner-take-all", {"winner-take-all", "proportional"},
                             "rule at max-pooling layers"),
        lumen::param::flag(
            "fold_batch_norm", true,
            "fold each batch-norm into the Conv/Gemm before it (the model itself is not changed)"),
    };
  }

  // The parameters of the registered relevance rules, each name once (the first rule declaring
  // it gives its type, range and default), so `epsilon=`, `gamma=`, `alpha=`, `low=` reach the
  // rules that take them.
  std::vector<lumen::ParamSpec> rule_params() const {
    std::set<std::string> taken;
    for (const auto& spec : own_params()) taken.insert(spec.name);
    std::vector<lumen::ParamSpec> specs;
    for (const auto& name : registry_.rule_names()) {
      const lumen::RuleInfo& info = registry_.rule_info(name);
      if (info.signal != lumen::Signal::relevance) continue;
      for (auto spec : info.params) {
        if (!taken.insert(spec.name).second) continue;
        spec.help = "rule " + name + ": " + spec.help;
        specs.push_back(std::move(spec));
      }
    }
    return specs;
  }

  const lumen::Registry& registry_;
};

void fill(lumen::Registrar& registrar) {
  registrar.add_explainer(std::make_shared<Lrp>(registrar.registry()));
}

}  // namespace

LUMEN_PLUGIN("lrp", "0.1.0", fill)
