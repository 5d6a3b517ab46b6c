#include "lumen/metric.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <string_view>

#include "lumen/dataset.hpp"
#include "lumen/error.hpp"
#include "lumen/explainer.hpp"
#include "lumen/model.hpp"

namespace lumen {

const char* to_string(MetricKind kind) {
  switch (kind) {
    case MetricKind::batch: return "batch";
    case MetricKind::dataset: return "dataset";
  }
  return "?";
}

namespace {

std::string quoted(const std::string& name) { return "'" + name + "'"; }

/// Throws InvalidArgument unless `params` holds exactly the parameters `specs` declare, as
/// Params::validate(specs, ...) leaves them: each declared name (patterns "prefix.*" may be
/// absent) and no other. `owner` is "the metric" or "the explainer 'name'".
void check_validated(const std::vector<ParamSpec>& specs, const Params& params,
                     const std::string& who, const std::string& owner) {
  auto refuse = [&](const std::string& problem) {
    throw InvalidArgument(who + ": the parameters of " + owner +
                          " were not validated against its info().params (" + problem +
                          "); validate them with Params::validate");
  };
  auto declares = [](const ParamSpec& spec, const std::string& name) {
    if (!spec.name.ends_with(".*")) return spec.name == name;
    return name.starts_with(std::string_view(spec.name).substr(0, spec.name.size() - 1));
  };
  for (const ParamSpec& spec : specs) {
    if (!spec.name.ends_with(".*") && !params.has(spec.name)) {
      refuse(quoted(spec.name) + " is missing");
    }
  }
  for (const auto& [name, value] : params.values()) {
    if (std::none_of(specs.begin(), specs.end(),
                     [&](const ParamSpec& spec) { return declares(spec, name); })) {
      refuse(quoted(name) + " is not declared");
    }
  }
}

/// Runs `check` and prefixes the message of the InvalidArgument it throws with `who`.
template <typename Check>
void naming(const std::string& who, Check check) {
  try {
    check();
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(who + ": " + e.what());
  }
}

void check_map(const Tensor* map, const char* what, const Tensor& input, bool one_channel,
               const std::string& who) {
  if (map == nullptr) throw InvalidArgument(who + ": the case lacks the " + what + " it needs");
  const bool fits = map->rank() == 4 && map->dim(0) == input.dim(0) &&
                    (!one_channel || map->dim(1) == 1) && map->dim(2) == input.dim(2) &&
                    map->dim(3) == input.dim(3);
  if (!fits) {
    const std::string channels = one_channel ? "1" : "*";
    throw ShapeError(who + ": the " + what + " must be [N," + channels + ",H,W] for the input " +
                     to_string(input.shape()) + ", got " + to_string(map->shape()));
  }
  if (!all_finite(*map)) throw InvalidArgument(who + ": the " + what + " is not finite");
}

void check_batch_case(const MetricInfo& info, const BatchCase& c, const std::string& who) {
  if (info.kind != MetricKind::batch) {
    throw InvalidArgument(
        who +
        " is a dataset-level metric (it scores an explainer over a training and a "
        "test set): give it a DatasetCase, not a batch");
  }
  check_validated(info.params, c.params, who, "the metric");
  const Tensor& x = c.input;
  if (x.rank() != 4 || x.dim(0) < 1) {
    throw ShapeError(who + ": the input must be a batch [N,C,H,W] with N >= 1, got " +
                     to_string(x.shape()));
  }
  const std::int64_t n = x.dim(0);
  if (static_cast<std::int64_t>(c.targets.size()) != n) {
    throw InvalidArgument(who + ": " + std::to_string(c.targets.size()) +
                          " targets for a batch of " + std::to_string(n));
  }
  check_map(&c.attribution, "attribution", x, false, who);
  if ((info.needs & (needs_model | needs_explainer)) != 0U && c.model == nullptr) {
    throw InvalidArgument(who + ": the case lacks the model it needs");
  }
  if ((info.needs & needs_explainer) != 0U) {
    if (c.explainer == nullptr || c.explainer_params == nullptr) {
      throw InvalidArgument(who + ": the case lacks the explainer (and its parameters) it needs");
    }
    const ExplainerInfo explainer = c.explainer->info();
    check_validated(explainer.params, *c.explainer_params, who,
                    "the explainer " + quoted(explainer.name));
  }
  if ((info.needs & needs_mask) != 0U) check_map(c.mask, "mask", x, true, who);
  if ((info.needs & needs_reference_map) != 0U) {
    check_map(c.reference, "reference map", x, false, who);
  }
  if (c.model != nullptr) {
    naming(who, [&] {
      c.model->check_input(x);
      check_targets(*c.model, x, c.targets);
    });
  }
}

void check_dataset_case(const MetricInfo& info, const DatasetCase& c, const std::string& who) {
  if (info.kind != MetricKind::dataset) {
    throw InvalidArgument(who +
                          " is a batch metric (it scores the attributions of a batch): give it a "
                          "BatchCase, not datasets");
  }
  check_validated(info.params, c.params, who, "the metric");
  const ExplainerInfo explainer = c.explainer.info();
  check_validated(explainer.params, c.explainer_params, who,
                  "the explainer " + quoted(explainer.name));
  if (c.test_data.size() < 1) throw InvalidArgument(who + ": the test set is empty");
  const Shape& expected = c.model.input_spec().sample_shape;
  for (const auto& [data, name] : {std::pair{&c.train_data, "training"}, {&c.test_data, "test"}}) {
    if (data->sample_shape() != expected) {
      throw ShapeError(who + ": the " + name + " set's samples are " +
                       to_string(data->sample_shape()) + ", the model takes " +
                       to_string(expected));
    }
  }
}

/// Throws Error naming the metric unless `result` holds `count` finite values and a finite
/// aggregate.
void check_result(const MetricResult& result, std::int64_t count, const char* samples,
                  const std::string& who) {
  if (static_cast<std::int64_t>(result.per_sample.size()) != count) {
    throw Error(who + " returned " + std::to_string(result.per_sample.size()) +
                " per-sample values for " + std::to_string(count) + " " + samples);
  }
  for (std::size_t i = 0; i < result.per_sample.size(); ++i) {
    if (!std::isfinite(result.per_sample[i])) {
      throw Error(who + " returned " + std::to_string(result.per_sample[i]) + " for sample " +
                  std::to_string(i) + "; a metric's values must be finite");
    }
  }
  if (!std::isfinite(result.aggregate)) {
    throw Error(who + " returned the aggregate " + std::to_string(result.aggregate) +
                "; a metric's values must be finite");
  }
}

}  // namespace

MetricResult Metric::evaluate(const BatchCase& c, Context& context) const {
  const MetricInfo i = info();
  const std::string who = "metric " + quoted(i.name);
  check_batch_case(i, c, who);
  MetricResult result;
  context.run([&] { result = score_batch(c, context); });
  check_result(result, c.input.dim(0), "samples", who);
  return result;
}

MetricResult Metric::evaluate(const DatasetCase& c, Context& context) const {
  const MetricInfo i = info();
  const std::string who = "metric " + quoted(i.name);
  check_dataset_case(i, c, who);
  MetricResult result;
  context.run([&] { result = score_dataset(c, context); });
  check_result(result, c.test_data.size(), "test samples", who);
  return result;
}

MetricResult Metric::score_batch(const BatchCase&, Context&) const {
  throw Error("metric " + quoted(info().name) + " declares kind " + to_string(info().kind) +
              " but does not override score_batch");
}

MetricResult Metric::score_dataset(const DatasetCase&, Context&) const {
  throw Error("metric " + quoted(info().name) + " declares kind " + to_string(info().kind) +
              " but does not override score_dataset");
}

}  // namespace lumen
