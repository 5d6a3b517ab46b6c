// DeepLIFT (Shrikumar et al. 2017) in Captum's multiplier form: one forward pass on the input x,
// one on the reference x0, and one backward pass from the target logit (start 1) with the
// multiplier rule (multiplier_rule.hpp); the attribution is (x - x0) * multiplier, which sums to
// f_c(x) - f_c(x0) when every non-linearity is element-wise or max-pooling.
#include <cmath>
#include <lumen/baseline.hpp>
#include <lumen/error.hpp>
#include <lumen/explainer.hpp>
#include <lumen/explainer_info.hpp>
#include <lumen/model.hpp>
#include <lumen/plugin.hpp>
#include <lumen/propagation.hpp>
#include <lumen/trace.hpp>

#include "multiplier_rule.hpp"

namespace {

class DeepLift final : public lumen::Explainer {
 public:
  lumen::ExplainerInfo info() const override {
    lumen::ExplainerInfo i = lumen::propagation_info(
        "deeplift",
        "input minus reference times multipliers propagated from the target score with the Rescale "
        "or RevealCancel rule at the non-linearities",
        "A. Shrikumar, P. Greenside, A. Kundaje. Learning Important Features Through Propagating "
        "Activation Differences. ICML, 2017.",
        {lumen::param::choice(
            "rule", "rescale", {"rescale", "reveal-cancel"},
            "rule at the non-linearities: rescale (Captum's DeepLift) or reveal-cancel (positive "
            "and negative contributions of the activation's input treated separately)")});
    i.requirements |= lumen::requires_gradients;
    const auto baseline = lumen::baseline_params({"zeros", "constant", "blur", "npy"});
    i.params.insert(i.params.end(), baseline.begin(), baseline.end());
    return i;
  }

 protected:
  lumen::Attribution compute(const lumen::ExplainRequest& request,
                             lumen::Context& context) const override {
    const lumen::Model& model = request.model;
    const lumen::Tensor& x = request.input;
    const lumen::Tensor x0 = lumen::make_baselines(request.params, x, context, "deeplift");
    model.check_input(x0);
    const auto mode = request.params.text("rule") == "rescale"
                          ? lumen::deeplift::Mode::rescale
                          : lumen::deeplift::Mode::reveal_cancel;

    const lumen::Trace trace = lumen::run_forward(model, x, context);
    const lumen::Trace reference = lumen::run_forward(model, x0, context);
    const lumen::RuleMap rules(
        lumen::deeplift::make_multiplier_rule(model, trace, reference, mode));
    const lumen::NodeId logits = model.logits_node();
    const lumen::NodeId input = model.graph().input();
    const lumen::Tensor& scores = trace.output(logits);
    const std::vector<float> ones(request.targets.size(), 1.0F);
    auto signals = lumen::propagate(
        model, trace, rules,
        {logits, lumen::one_hot_rows(scores.shape(), request.targets, ones), {input}}, context);

    lumen::Attribution result;
    result.map = std::move(signals.at(input));
    for (std::int64_t i = 0; i < x.size(); ++i) result.map[i] *= x[i] - x0[i];
    const auto notes = lumen::delta_notes(result.map, request.targets, scores,
                                          reference.output(logits), "summation-to-delta");
    result.notes.insert(result.notes.end(), notes.begin(), notes.end());
    result.notes.push_back("rule: " + request.params.text("rule") +
                           ", baseline: " + request.params.text("baseline"));
    return result;
  }
};

void fill(lumen::Registrar& registrar) { registrar.add_explainer(std::make_shared<DeepLift>()); }

}  // namespace

LUMEN_PLUGIN("deeplift", "0.1.0", fill)
