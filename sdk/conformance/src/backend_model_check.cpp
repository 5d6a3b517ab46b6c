#include "backend_model_check.hpp"

#include <algorithm>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "check_support.hpp"
#include "kernel_recorder.hpp"
#include "lumen/conformance/checks.hpp"
#include "lumen/conformance/report.hpp"
#include "lumen/context.hpp"
#include "lumen/propagation.hpp"
#include "lumen/rule.hpp"
#include "lumen/trace.hpp"

namespace lumen::conformance::detail {

namespace {

// A few layers of float kernels summing in another order than the reference: rounding only.
constexpr double tolerance = 1e-4;
constexpr std::int64_t batch = 3;

struct Outputs {
  Tensor logits;
  Tensor saliency;
};

// For each sample, the class with the largest logit.
std::vector<std::int64_t> top_classes(const Tensor& logits) {
  std::vector<std::int64_t> targets;
  const std::int64_t classes = logits.dim(1);
  for (std::int64_t n = 0; n < logits.dim(0); ++n) {
    const float* row = logits.data() + n * classes;
    targets.push_back(std::max_element(row, row + classes) - row);
  }
  return targets;
}

// The logits and the gradient of each target logit at the input, one forward and one backward pass.
Outputs run(const Model& model, const Tensor& input, std::span<const std::int64_t> targets,
            std::shared_ptr<const Backend> backend) {
  Context context(std::move(backend), 1, 7);
  const NodeId in = model.graph().input();
  auto pass = propagate_from_targets(model, input, targets, RuleMap(gradient_rule()),
                                     StartValue::one, {in}, context);
  return {pass.trace.output(model.logits_node()), pass.signals.at(in)};
}

std::string kernel_names(const std::vector<Kernel>& kernels) {
  std::vector<std::string> names;
  for (const Kernel kernel : kernels) names.emplace_back(to_string(kernel));
  return join(names, ", ");
}

}  // namespace

std::string whole_model_check(const std::shared_ptr<const Backend>& backend,
                              const std::shared_ptr<const Backend>& reference,
                              const TestModel& test) {
  const Model& model = test.model;
  const Tensor input = sample_input(model, batch, 51);
  const auto recorder = std::make_shared<KernelRecorder>(reference);
  Context probe(recorder, 1, 7);
  const auto targets = top_classes(predict_logits(model, input, probe));
  const Outputs expected = run(model, input, targets, recorder);

  std::vector<Kernel> on_backend;
  for (const Kernel kernel : recorder->called()) {
    if (backend->implements(kernel)) on_backend.push_back(kernel);
  }
  if (on_backend.empty()) {
    throw CheckSkipped("it implements none of the kernels the " + test.name + " model runs (" +
                       kernel_names(recorder->called()) + ")");
  }

  const auto chain = std::make_shared<BackendChain>(
      std::vector<std::shared_ptr<const Backend>>{backend, reference});
  const Outputs actual = run(model, input, targets, chain);
  const double logits_error = relative_difference(actual.logits.values(), expected.logits.values());
  const double saliency_error =
      relative_difference(actual.saliency.values(), expected.saliency.values());
  std::vector<std::string> problems;
  if (!(logits_error <= tolerance)) {
    problems.push_back("the logits differ from " + std::string(reference_backend) +
                       "'s: max relative difference " + number(logits_error));
  }
  if (!(saliency_error <= tolerance)) {
    problems.push_back("the saliency differs from " + std::string(reference_backend) +
                       "'s: max relative difference " + number(saliency_error));
  }
  if (!problems.empty()) {
    fail(join(problems, "; ") + " (tolerance " + number(tolerance) +
         "; kernels on this backend: " + kernel_names(on_backend) + ")");
  }
  return "kernels on this backend: " + kernel_names(on_backend) + "; max relative difference " +
         number(logits_error) + " (logits), " + number(saliency_error) + " (saliency), tolerance " +
         number(tolerance);
}

}  // namespace lumen::conformance::detail
