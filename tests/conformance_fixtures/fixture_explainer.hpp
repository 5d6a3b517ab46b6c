#pragma once
// The parts the explainer fixtures share: an info() with everything the suite asks for, and a
// gradient of the target logit, so that each fixture differs from a correct explainer in exactly
// the contract it breaks.
#include <lumen/explainer.hpp>
#include <lumen/model.hpp>
#include <lumen/propagation.hpp>

namespace fixture {

inline lumen::ExplainerInfo complete_info(std::string name) {
  lumen::ExplainerInfo i;
  i.name = std::move(name);
  i.family = lumen::Family::gradient;
  i.summary = "conformance-suite fixture";
  i.citation = "none: a test fixture of lumen's conformance suite";
  i.requirements = lumen::requires_gradients;
  i.output = lumen::OutputSpace::input;
  i.signed_output = true;
  return i;
}

/// d logit[target] / d input for every sample, [N,C,H,W].
inline lumen::Tensor input_gradient(const lumen::ExplainRequest& request, lumen::Context& context) {
  const lumen::NodeId input = request.model.graph().input();
  auto run = lumen::propagate_from_targets(request.model, request.input, request.targets,
                                           lumen::RuleMap(lumen::gradient_rule()),
                                           lumen::StartValue::one, {input}, context);
  return std::move(run.signals.at(input));
}

}  // namespace fixture
