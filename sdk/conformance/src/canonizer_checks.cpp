// Canonizers: complete info, and on the test models (the batch-norm one included) a model that
// computes the same logits, with the original left as it was.
#include <string>
#include <vector>

#include "check_support.hpp"
#include "lumen/canonizer.hpp"
#include "lumen/conformance/checks.hpp"
#include "lumen/conformance/test_models.hpp"
#include "lumen/context.hpp"
#include "lumen/error.hpp"
#include "lumen/registry.hpp"
#include "lumen/trace.hpp"
#include "test_cases.hpp"

namespace lumen::conformance {

namespace {

using detail::fail;

// Relative to the largest logit: a folded layer rounds differently from the two it replaces.
constexpr double logits_tolerance = 1e-5;

std::string info_complete(const CanonizerInfo& info, const std::string& key) {
  std::vector<std::string> problems;
  if (info.name != key) problems.push_back("info().name '" + info.name + "' differs from its key");
  if (!detail::is_kebab_case(info.name))
    problems.push_back("name '" + info.name + "' is not kebab-case");
  if (info.summary.empty()) problems.push_back("the summary is empty");
  if (!problems.empty()) fail(detail::join(problems, "; "));
  return {};
}

std::string same_function(const Registry& registry, const std::string& name, const Model& model,
                          std::shared_ptr<const Backend> backend) {
  Context context(std::move(backend), 1, 7);
  const Tensor input = detail::sample_input(model, 3, 47);
  const Tensor before = predict_logits(model, input, context);
  std::vector<const Layer*> layers;
  for (NodeId id = 0; id < model.graph().size(); ++id)
    layers.push_back(model.graph().node(id).layer.get());
  const std::vector<std::string> names{name};
  const CanonizedModel c = canonize(model, names, registry, context.backend());
  const Tensor after = predict_logits(c.model, input, context);
  for (NodeId id = 0; id < model.graph().size(); ++id) {
    if (model.graph().node(id).layer.get() != layers[id])
      fail("it changed the original model's node '" + model.graph().node(id).name + "'");
  }
  if (!detail::bit_identical(predict_logits(model, input, context), before))
    fail("the original model's logits changed");
  const double difference = detail::relative_difference(after.values(), before.values());
  if (!(difference <= logits_tolerance)) {
    fail("the canonized model's logits differ from the original's by " +
         detail::number(difference) + " (relative; tolerance " + detail::number(logits_tolerance) +
         ")");
  }
  return std::to_string(c.notes.size()) + " note(s); logits agree to " +
         detail::number(difference) + " (relative)";
}

}  // namespace

void check_canonizer(const Registry& registry, const Subject& item, Report& report) {
  if (!report.run(item, "info complete", [&] {
        return info_complete(registry.canonizer(item.name)->info(), item.name);
      })) {
    return;
  }
  const auto backend = detail::find_reference_backend(registry);
  auto models = detail::test_models(true);
  models.push_back({"batch-norm", batch_norm_net(5)});
  for (const auto& test : models) {
    const std::string check = "keeps the " + test.name + " model's logits and leaves it unchanged";
    if (!backend) {
      report.record({item, check, Outcome::fail, detail::missing_reference_backend()});
      continue;
    }
    report.run(item, check,
               [&] { return same_function(registry, item.name, test.model, backend); });
  }
}

}  // namespace lumen::conformance
