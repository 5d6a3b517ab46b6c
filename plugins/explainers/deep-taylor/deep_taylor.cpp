// Deep Taylor decomposition (Montavon et al. 2017) as a rule map: the z+ rule at every linear
// layer (the root point of a ReLU unit's Taylor expansion on its positive inputs) and, at the
// linear layer nearest the input, z-box for inputs bounded by [low, high] or w^2 for unbounded
// ones. Relevance starts at the target logit's value; activations, pooling and structural layers
// route it as Note [relevance routing] in core/src/propagation.cpp says.
#include <lumen/error.hpp>
#include <lumen/explainer.hpp>
#include <lumen/model.hpp>
#include <lumen/plugin.hpp>
#include <lumen/propagation.hpp>
#include <lumen/registry.hpp>

namespace {

class DeepTaylor final : public lumen::Explainer {
 public:
  explicit DeepTaylor(const lumen::Registry& registry) : registry_(registry) {}

  lumen::ExplainerInfo info() const override {
    using lumen::ParamType;
    lumen::ExplainerInfo i;
    i.name = "deep-taylor";
    i.family = lumen::Family::propagation;
    i.summary =
        "deep Taylor decomposition: z+ at the hidden layers, z-box or w^2 at the input layer";
    i.citation =
        "G. Montavon, S. Lapuschkin, A. Binder, W. Samek, K.-R. Mueller. Explaining Nonlinear "
        "Classification Decisions with Deep Taylor Decomposition. Pattern Recognition 65, "
        "211-222, 2017.";
    i.requirements = lumen::requires_layer_access;
    i.output = lumen::OutputSpace::input;
    i.signed_output = true;
    i.params = {
        lumen::param::choice(
            "input_rule", "zbox", {"zbox", "wsquare"},
            "rule at the linear layer nearest the input: zbox (inputs bounded by low and high) or "
            "wsquare (unbounded inputs)"),
        lumen::param::list(
            "low", lumen::ParamType::real, "0",
            "zbox: lowest input value, one number or a comma list with one per input channel"),
        lumen::param::list(
            "high", lumen::ParamType::real, "1",
            "zbox: highest input value, one number or a comma list with one per input channel"),
    };
    return i;
  }

 protected:
  lumen::Attribution compute(const lumen::ExplainRequest& request,
                             lumen::Context& context) const override {
    const std::string& input_rule = request.params.text("input_rule");
    std::map<std::string, std::string> input_params;
    if (input_rule == "zbox") {
      input_params = {{"low", request.params.text("low")}, {"high", request.params.text("high")}};
    }
    lumen::RuleMap rules(registry_.make_rule("zplus", {}));
    rules.for_first_linear(registry_.make_rule(input_rule, input_params));
    const lumen::NodeId input = request.model.graph().input();
    auto run = lumen::propagate_from_targets(request.model, request.input, request.targets, rules,
                                             lumen::StartValue::logit, {input}, context);
    lumen::Attribution a;
    a.map = std::move(run.signals.at(input));
    a.notes.push_back("z+ at the hidden layers, " + input_rule + " at the input layer" +
                      (input_rule == "zbox" ? " (low " + request.params.text("low") + ", high " +
                                                  request.params.text("high") + ")"
                                            : std::string()));
    return a;
  }

 private:
  const lumen::Registry& registry_;
};

void fill(lumen::Registrar& registrar) {
  registrar.add_explainer(std::make_shared<DeepTaylor>(registrar.registry()));
}

}  // namespace

LUMEN_PLUGIN("deep-taylor", "0.1.0", fill)
