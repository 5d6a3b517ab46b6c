// Layer-wise Relevance Propagation (Bach et al. 2015): relevance starts as the target logit's value
// f_c(x) (Zennit starts from 1, so its maps differ from ours by that factor) and flows back through
// the core propagation engine with one registered relevance rule at every linear layer; other
// layers route it as Note [relevance routing] in core/src/propagation.cpp describes.
#include <lumen/error.hpp>
#include <lumen/explainer.hpp>
#include <lumen/model.hpp>
#include <lumen/plugin.hpp>
#include <lumen/propagation.hpp>
#include <lumen/registry.hpp>

namespace {

class Lrp final : public lumen::Explainer {
 public:
  explicit Lrp(const lumen::Registry& registry) : registry_(registry) {}

  lumen::ExplainerInfo info() const override {
    lumen::ExplainerInfo i;
    i.name = "lrp";
    i.family = lumen::Family::propagation;
    i.summary =
        "layer-wise relevance propagation of the target logit with one rule at every linear layer";
    i.citation =
        "S. Bach, A. Binder, G. Montavon, F. Klauschen, K.-R. Mueller, W. Samek. On Pixel-Wise "
        "Explanations for Non-Linear Classifier Decisions by Layer-Wise Relevance "
        "Propagation. PLOS ONE 10(7), 2015.";
    i.requirements = lumen::requires_layer_access;
    i.output = lumen::OutputSpace::input;
    i.signed_output = true;
    i.params = {
        {"rule",
         lumen::ParamType::text,
         "epsilon",
         "registered relevance rule used at every linear layer (lumen plugins lists them)",
         0,
         0,
         {}},
        {"epsilon",
         lumen::ParamType::real,
         "1e-6",
         "stabiliser of the epsilon rule (passed to the rule when it takes one)",
         0.0,
         1e6,
         {}},
    };
    return i;
  }

  lumen::Attribution explain(const lumen::ExplainRequest& request,
                             lumen::Context& context) const override {
    lumen::ExplanationMeter meter(context);
    const auto rule = make_rule(request.params);
    const lumen::NodeId input = request.model.graph().input();
    auto run = lumen::propagate_from_targets(request.model, request.input, request.targets,
                                             lumen::RuleMap(rule), lumen::StartValue::logit,
                                             {input}, context);
    lumen::Attribution a;
    a.map = std::move(run.signals.at(input));
    a.notes.push_back("rule: " + rule->name());
    meter.finish(a);
    return a;
  }

 private:
  std::shared_ptr<const lumen::Rule> make_rule(const lumen::Params& params) const {
    const std::string& name = params.text("rule");
    const lumen::RuleInfo& info = registry_.rule_info(name);
    if (info.signal != lumen::Signal::relevance) {
      throw lumen::InvalidArgument("lrp: rule '" + name + "' does not propagate relevance");
    }
    std::map<std::string, std::string> rule_params;
    for (const auto& spec : info.params) {
      if (params.has(spec.name)) rule_params[spec.name] = params.text(spec.name);
    }
    return registry_.make_rule(name, rule_params);
  }

  const lumen::Registry& registry_;
};

void fill(lumen::Registrar& registrar) {
  registrar.add_explainer(std::make_shared<Lrp>(registrar.registry()));
}

}  // namespace

LUMEN_PLUGIN("lrp", "0.1.0", fill)
