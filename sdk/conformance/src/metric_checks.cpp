#include <random>
#include <string>
#include <vector>

#include "check_support.hpp"
#include "lumen/conformance/checks.hpp"
#include "lumen/conformance/test_models.hpp"
#include "lumen/dataset.hpp"
#include "lumen/error.hpp"
#include "lumen/explainer.hpp"
#include "lumen/metric.hpp"
#include "lumen/registry.hpp"
#include "test_cases.hpp"

namespace lumen::conformance {

namespace {

using detail::fail;
using detail::sample_input;
using detail::sample_targets;

/// The explainer given to metrics that re-run one.
constexpr const char* metric_explainer = "saliency";
constexpr std::uint64_t seeds[] = {1, 2, 3};
constexpr std::int64_t batch = 3;

std::string info_complete(const MetricInfo& info, const std::string& key) {
  std::vector<std::string> problems;
  if (info.name != key) {
    problems.push_back("info().name '" + info.name + "' differs from its registered name");
  }
  if (!detail::is_kebab_case(info.name))
    problems.push_back("name '" + info.name + "' is not kebab-case");
  if (info.summary.empty()) problems.push_back("the summary is empty");
  if (info.citation.empty()) problems.push_back("the citation is empty");
  if (info.direction != Direction::lower_is_better &&
      info.direction != Direction::higher_is_better) {
    problems.push_back("the direction is neither lower_is_better nor higher_is_better");
  }
  if (!(info.min < info.max)) {
    problems.push_back("the range [" + detail::number(info.min) + ", " + detail::number(info.max) +
                       "] does not have min < max");
  }
  if (info.kind != MetricKind::batch && info.kind != MetricKind::dataset) {
    problems.push_back("the kind is neither batch nor dataset");
  }
  constexpr unsigned known = needs_model | needs_explainer | needs_mask | needs_reference_map;
  if ((info.needs & ~known) != 0U) problems.push_back("needs holds unknown flags");
  if (info.kind == MetricKind::dataset && (info.needs & (needs_mask | needs_reference_map)) != 0U) {
    problems.push_back(
        "a dataset-level metric needs a mask or reference map, which a DatasetCase lacks");
  }
  for (auto& p : detail::param_spec_problems(info.params, info.name)) problems.push_back(p);
  if (!problems.empty()) fail(detail::join(problems, "; "));
  return std::string(to_string(info.kind)) + " metric, " +
         (info.direction == Direction::higher_is_better ? "higher" : "lower") +
         " is better, range [" + detail::number(info.min) + ", " + detail::number(info.max) + "]";
}

Tensor random_mask(const Shape& shape, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::bernoulli_distribution inside(0.3);
  Tensor mask(shape);
  for (float& v : mask.values()) v = inside(rng) ? 1.0F : 0.0F;
  return mask;
}

// Metric::evaluate has checked that the values are finite and one per sample.
void check_value(double value, const MetricInfo& info, const std::string& what) {
  if (value < info.min || value > info.max) {
    fail(what + " = " + detail::number(value) + " is outside the declared range [" +
         detail::number(info.min) + ", " + detail::number(info.max) + "]");
  }
}

// Samples of sample_input with targets cycling through the classes: what a dataset-level metric
// trains on and scores.
class SampleDataset final : public Dataset {
 public:
  SampleDataset(const Model& model, std::int64_t n, std::uint64_t seed)
      : images_(sample_input(model, n, seed)),
        labels_(sample_targets(model, n, seed)),
        classes_(model.class_count()) {}
  std::int64_t size() const override { return images_.dim(0); }
  std::vector<std::string> class_names() const override {
    std::vector<std::string> names;
    for (std::int64_t c = 0; c < classes_; ++c) names.push_back("class " + std::to_string(c));
    return names;
  }
  Shape sample_shape() const override { return {images_.dim(1), images_.dim(2), images_.dim(3)}; }
  bool has_masks() const override { return false; }
  Sample get(std::int64_t index) const override {
    const Tensor image = images_.batch_slice(index, 1);
    return {image.reshaped(sample_shape()), labels_.at(static_cast<std::size_t>(index)),
            std::nullopt, "conformance#" + std::to_string(index)};
  }

 private:
  Tensor images_;
  std::vector<std::int64_t> labels_;
  std::int64_t classes_;
};

struct Material {
  std::shared_ptr<const Backend> backend;
  /// When the metric needs one (a dataset-level metric always does).
  std::shared_ptr<const Explainer> explainer;
  Params explainer_params;
};

// Only what the metric declares: using anything else is a bug the check should expose.
MetricResult evaluate_batch(const Metric& metric, const MetricInfo& info, const Model& model,
                            const Material& material, const Params& params, std::uint64_t seed,
                            Context& context) {
  const Tensor input = detail::sample_input(model, batch, 50 + seed);
  const auto targets = detail::sample_targets(model, batch, seed);
  const Tensor attribution = random_tensor(input.shape(), 60 + seed);
  const Tensor mask = random_mask({batch, 1, input.dim(2), input.dim(3)}, 70 + seed);
  const Tensor reference = random_tensor(input.shape(), 80 + seed);
  const bool explainer = (info.needs & needs_explainer) != 0U;
  const BatchCase c{.input = input,
                    .targets = targets,
                    .attribution = attribution,
                    .params = params,
                    .model = (info.needs & needs_model) != 0U || explainer ? &model : nullptr,
                    .explainer = explainer ? material.explainer.get() : nullptr,
                    .explainer_params = explainer ? &material.explainer_params : nullptr,
                    .mask = (info.needs & needs_mask) != 0U ? &mask : nullptr,
                    .reference = (info.needs & needs_reference_map) != 0U ? &reference : nullptr};
  return metric.evaluate(c, context);
}

MetricResult evaluate_datasets(const Metric& metric, const Model& model, const Material& material,
                               const Params& params, std::uint64_t seed, Context& context) {
  const SampleDataset train(model, 4 * batch, 90 + seed), test(model, batch, 95 + seed);
  const DatasetCase c{model, *material.explainer, material.explainer_params, params, train, test};
  return metric.evaluate(c, context);
}

std::string range_check(const Metric& metric, const MetricInfo& info, const Model& model,
                        const Material& material) {
  const Params params = Params::validate(info.params, {}, info.name);
  for (const std::uint64_t seed : seeds) {
    Context context(material.backend, 1, seed);
    const MetricResult result =
        info.kind == MetricKind::dataset
            ? evaluate_datasets(metric, model, material, params, seed, context)
            : evaluate_batch(metric, info, model, material, params, seed, context);
    const std::string where = " (seed " + std::to_string(seed) + ")";
    for (std::size_t n = 0; n < result.per_sample.size(); ++n) {
      check_value(result.per_sample[n], info, "the value of sample " + std::to_string(n) + where);
    }
    check_value(result.aggregate, info, "the aggregate" + where);
  }
  return std::to_string(std::size(seeds)) + " random " +
         (info.kind == MetricKind::dataset ? "test sets" : "batches") + " of " +
         std::to_string(batch);
}

}  // namespace

void check_metric(const Registry& registry, const Subject& item, Report& report) {
  std::shared_ptr<const Metric> metric;
  MetricInfo info;
  report.run(item, "info complete", [&] {
    metric = registry.metric(item.name);
    info = metric->info();
    return info_complete(info, item.name);
  });
  if (!metric) return;

  Material material{detail::find_reference_backend(registry), nullptr, {}};
  std::string missing;
  Outcome outcome = Outcome::skip;
  if (!material.backend) {
    missing = detail::missing_reference_backend();
    outcome = Outcome::fail;
  } else if ((info.needs & needs_explainer) != 0U || info.kind == MetricKind::dataset) {
    try {
      material.explainer = registry.explainer(metric_explainer);
      material.explainer_params =
          Params::validate(material.explainer->info().params, {}, metric_explainer);
    } catch (const Error& e) {
      missing = std::string("it needs an explainer, and '") + metric_explainer +
                "' is not available: " + e.what();
    }
  }
  for (const auto& test : detail::test_models(true)) {
    const std::string check = "stays inside its range on the " + test.name + " model";
    if (!missing.empty()) {
      report.record({item, check, outcome, missing});
      continue;
    }
    report.run(item, check, [&] { return range_check(*metric, info, test.model, material); });
  }
}

}  // namespace lumen::conformance
