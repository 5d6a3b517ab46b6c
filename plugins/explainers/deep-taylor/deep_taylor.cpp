// Deep Taylor decomposition (Montavon et al. 2017) as a rule map: the z+ rule at every linear
// layer (the root point of a ReLU unit's Taylor expansion on its positive inputs) and, at the
// linear layer nearest the input, z-box for inputs bounded by [low, high] or w^2 for unbounded
// ones; or, given composite=, that composite's rules. Relevance starts at the target logit's
// value; activations, pooling and structural layers route it as Note [relevance routing] in
// core/src/propagation.cpp says.
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

namespace {

class DeepTaylor final : public lumen::Explainer {
 public:
  explicit DeepTaylor(const lumen::Registry& registry) : registry_(registry) {}

  lumen::ExplainerInfo info() const override {
    return lumen::propagation_info(
        "deep-taylor",
        "deep Taylor decomposition: z+ at the hidden layers, z-box or w^2 at the input layer",
        "G. Montavon, S. Lapuschkin, A. Binder, W. Samek, K.-R. Mueller. Explaining Nonlinear "
        "Classification Decisions with Deep Taylor Decomposition. Pattern Recognition 65, 211-222, "
        "2017.",
        {
            lumen::param::choice("input_rule", "zbox", {"zbox", "wsquare"},
                                 "rule at the linear layer nearest the input: zbox (inputs bounded "
                                 "by low and high) or wsquare (unbounded inputs)"),
            lumen::param::list(
                "low", lumen::ParamType::real, "0",
                "zbox: lowest input value, one number or a comma list with one per input channel; "
                "when neither bound is given and the model knows its normalisation, (0 - mean) / "
                "std per channel"),
            lumen::param::list(
                "high", lumen::ParamType::real, "1",
                "zbox: highest input value, one number or a comma list with one per input channel; "
                "when neither bound is given and the model knows its normalisation, (1 - mean) / "
                "std per channel"),
            lumen::param::composite(registry_,
                                    "z+ at the hidden layers, input_rule at the input layer"),
            lumen::param::canonizers(registry_, ""),
        });
  }

 protected:
  lumen::Attribution compute(const lumen::ExplainRequest& request,
                             lumen::Context& context) const override {
    const lumen::Params& params = request.params;
    const std::string& input_rule = params.text("input_rule");
    const std::string& composite_name = params.text("composite");
    const bool own = composite_name == "none";
    lumen::CompositeInfo composite;
    std::map<std::string, std::string> given;  // the bounds, for a composite's zbox
    lumen::Attribution a;
    if (own) {
      // The bounds the user gave; else make_rules' default, the model's normalised pixel box.
      std::map<std::string, std::string> input_params;
      for (const char* bound : {"low", "high"}) {
        if (input_rule == "zbox" && params.given(bound)) input_params[bound] = params.text(bound);
      }
      composite = {"none",
                   "deep Taylor",
                   {{lumen::NodeSelector::linear(), {"zplus", {}}}},
                   {{lumen::NodeSelector::kinds({"linear"}), {input_rule, input_params}}},
                   {}};
      a.notes.push_back("z+ at the hidden layers, " + input_rule + " at the input layer");
    } else {
      if (params.given("input_rule")) {
        throw lumen::InvalidArgument(
            "deep-taylor: input_rule chooses the input layer's rule of deep Taylor's own rules; "
            "with composite = '" +
            composite_name + "' the composite chooses it");
      }
      composite = lumen::find_composite(registry_, composite_name);
      for (const char* bound : {"low", "high"}) {
        if (params.given(bound)) given[bound] = params.text(bound);
      }
      a.notes.push_back("composite: " + composite_name);
    }

    const lumen::RelevanceSetup setup =
        lumen::relevance_setup(request, composite, given, registry_, context, "deep-taylor");
    a.notes.insert(a.notes.end(), setup.notes.begin(), setup.notes.end());
    a.components = setup.components;
    if (!own) a.components.push_back({"composite", composite.name});
    const lumen::NodeId input = setup.model().graph().input();
    auto run = lumen::propagate_from_targets(setup.model(), request.input, request.targets,
                                             setup.planned.rules, lumen::StartValue::logit, {input},
                                             context);
    a.map = std::move(run.signals.at(input));
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
