#pragma once
// Runs a registered metric the way a host does: parameters validated against its info(), the
// case filled with what the caller gives. For the metric plugins' tests (header-only).
#include <lumen/explainer.hpp>
#include <lumen/metric.hpp>
#include <lumen/model.hpp>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "explain_helpers.hpp"
#include "test_models.hpp"
#include "test_registry.hpp"

namespace lumen::testing {

struct MetricInputs {
  const Model* model = nullptr;
  const Tensor* input = nullptr;  ///< required
  std::vector<std::int64_t> targets;
  const Tensor* attribution = nullptr;  ///< required
  const Tensor* mask = nullptr;
  const Tensor* reference = nullptr;
  bool signed_map = true;
  std::optional<NodeId> layer;
  std::string explainer;  ///< a registered explainer to re-run, or empty
  std::map<std::string, std::string> explainer_params;
};

inline MetricResult run_metric(const std::string& name, const MetricInputs& in,
                               const std::map<std::string, std::string>& params = {},
                               std::uint64_t seed = 0, int threads = 1) {
  const auto metric = registry().metric(name);
  const Params validated = Params::validate(metric->info().params, params, name);
  Params explainer_params;
  std::shared_ptr<const Explainer> explainer;
  if (!in.explainer.empty()) {
    explainer = registry().explainer(in.explainer);
    explainer_params =
        Params::validate(explainer->info().params, in.explainer_params, in.explainer);
  }
  const BatchCase c{.input = *in.input,
                    .targets = in.targets,
                    .attribution = *in.attribution,
                    .params = validated,
                    .signed_map = in.signed_map,
                    .layer = in.layer,
                    .model = in.model,
                    .explainer = explainer.get(),
                    .explainer_params = explainer ? &explainer_params : nullptr,
                    .mask = in.mask,
                    .reference = in.reference};
  auto context = make_context(threads, seed);
  return metric->evaluate(c, *context);
}

/// Explains `x` for `targets` with the registered `method` (its defaults), then scores that map
/// with `metric`, which may re-run the method.
inline MetricResult score_explanation(const std::string& metric, const std::string& method,
                                      const Model& model, const Tensor& x,
                                      const std::vector<std::int64_t>& targets,
                                      const std::map<std::string, std::string>& params = {},
                                      std::uint64_t seed = 0) {
  const Attribution a = explain(method, model, x, targets);
  MetricInputs in;
  in.model = &model;
  in.input = &x;
  in.targets = targets;
  in.attribution = &a.map;
  in.explainer = method;
  return run_metric(metric, in, params, seed);
}

}  // namespace lumen::testing
