// Layer-wise Relevance Propagation (Bach et al. 2015): relevance starts as the target logit's value
// f_c(x) (Zennit starts from 1, so its maps differ from ours by that factor) and flows back through
// the core propagation engine with a registered relevance rule per node: one rule at every linear
// layer or a registered composite (Zennit's: plugins/composites/zennit) or one read from a JSON
// file, then per-node overrides. The model is canonized first (by default merge-batch-norm folds
// batch-norm into the layers before it). Other layers route relevance as Note [relevance routing]
// in core/src/propagation.cpp describes. Given a layer, the same backward pass also returns the
// relevance at that layer's output ([N,C,h,w], Attribution::layer_map).
#include <lumen/canonizer.hpp>
#include <lumen/composite.hpp>
#include <lumen/error.hpp>
#include <lumen/explainer.hpp>
#include <lumen/explainer_info.hpp>
#include <lumen/model.hpp>
#include <lumen/plugin.hpp>
#include <lumen/propagation.hpp>
#include <lumen/registry.hpp>
#include <lumen/relevance.hpp>
#include <set>
#include <string_view>

namespace {

constexpr std::string_view kOverridePrefix = "rule.";

class Lrp final : public lumen::Explainer {
 public:
  explicit Lrp(const lumen::Registry& registry) : registry_(registry) {}

  lumen::ExplainerInfo info() const override {
    lumen::ExplainerInfo i = lumen::propagation_info(
        "lrp",
        "layer-wise relevance propagation of the target logit with one rule or a composite, "
        "per-node overrides and canonizers (batch-norm folding)",
        "S. Bach, A. Binder, G. Montavon, F. Klauschen, K.-R. Mueller, W. Samek. On Pixel-Wise "
        "Explanations for Non-Linear Classifier Decisions by Layer-Wise Relevance Propagation. "
        "PLOS ONE 10(7), 2015.",
        own_params());
    i.layer_use = lumen::LayerUse::optional;
    for (auto& spec : rule_params()) i.params.push_back(std::move(spec));
    return i;
  }

 protected:
  lumen::Attribution compute(const lumen::ExplainRequest& request,
                             lumen::Context& context) const override {
    const lumen::Params& params = request.params;
    const std::string& rule = params.text("rule");
    const std::string& composite_name = params.text("composite");
    const bool one_rule = composite_name == "none";
    if (!one_rule && !rule.empty()) {
      throw lumen::InvalidArgument(
          "lrp: give either rule= (one rule everywhere) or composite=, not both (rule = '" + rule +
          "', composite = '" + composite_name + "')");
    }
    const lumen::CompositeInfo composite = one_rule
                                               ? everywhere(rule.empty() ? "epsilon" : rule)
                                               : lumen::find_composite(registry_, composite_name);

    // Only the rule parameters the user gave reach the rules: a rule declaring the same name as
    // another keeps its own default otherwise.
    std::map<std::string, std::string> given;
    for (const auto& spec : rule_params()) {
      if (params.given(spec.name)) given[spec.name] = params.text(spec.name);
    }
    const auto adjust = [&](const lumen::Model& model, lumen::RulePlan& plan) {
      const lumen::Graph& g = model.graph();
      // Max-pooling: the `maxpool` rule where the composite sets none, everywhere when given.
      for (lumen::NodeId id : g.topological_order()) {
        if (g.node(id).layer->op_type() == "MaxPool" &&
            (params.given("maxpool") || !plan.count(id)))
          plan[id] = {params.text("maxpool"), {}};
      }
      for (const auto& [name, value] : params.values()) {
        if (name.starts_with(kOverridePrefix))
          plan[g.at(name.substr(kOverridePrefix.size()))] = {value, {}};
      }
    };
    const lumen::RelevanceSetup setup =
        lumen::relevance_setup(request, composite, given, registry_, context, "lrp", adjust);

    lumen::Attribution a;
    if (!one_rule) a.notes.push_back("composite: " + composite_name);
    a.notes.insert(a.notes.end(), setup.notes.begin(), setup.notes.end());
    a.components = setup.components;
    if (!one_rule) a.components.push_back({"composite", composite.name});

    const lumen::NodeId input = setup.model().graph().input();
    std::vector<lumen::NodeId> collect{input};
    if (request.layer) collect.push_back(*request.layer);
    auto run = lumen::propagate_from_targets(setup.model(), request.input, request.targets,
                                             setup.planned.rules, lumen::StartValue::logit, collect,
                                             context);
    if (request.layer) {
      // Copied: the layer may be the input node itself.
      a.layer_map = run.signals.at(*request.layer);
      a.layer = request.layer;
    }
    a.map = std::move(run.signals.at(input));
    return a;
  }

 private:
  // composite=none: `rule` at every linear layer.
  static lumen::CompositeInfo everywhere(const std::string& rule) {
    return {"none",
            "one rule at every linear layer",
            {{lumen::NodeSelector::linear(), {rule, {}}}},
            {},
            {}};
  }

  std::vector<lumen::ParamSpec> own_params() const {
    return {
        lumen::param::text(
            "rule", "",
            "registered relevance rule at every linear layer (empty: epsilon); not with composite"),
        lumen::param::composite(registry_, "one rule everywhere: rule="),
        lumen::param::pattern("rule",
                              "rule.NODE=RULE: the rule at node NODE, over rule= or composite="),
        lumen::param::choice("maxpool", "winner-take-all", {"winner-take-all", "proportional"},
                             "rule at max-pooling layers the composite gives none (given: at "
                             "every max-pooling layer)"),
        lumen::param::canonizers(registry_, "merge-batch-norm"),
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
