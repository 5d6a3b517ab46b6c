#pragma once
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "lumen/context.hpp"
#include "lumen/export.hpp"
#include "lumen/graph.hpp"
#include "lumen/params.hpp"
#include "lumen/tensor.hpp"

namespace lumen {

class Dataset;
class Explainer;
class Model;

enum class Direction { lower_is_better, higher_is_better };

/// What a metric needs to be computed, as flags.
enum MetricNeed : unsigned {
  needs_model = 1U << 0U,
  needs_explainer = 1U << 1U,
  needs_mask = 1U << 2U,
  needs_reference_map = 1U << 3U,
  /// A dataset-level metric: scored once per explainer over whole datasets instead of batch by
  /// batch. Its MetricCase has model, explainer, explainer_params, params, train_data and
  /// test_data (input, targets and attribution are null/empty); per_sample holds one value per
  /// test_data sample, in order.
  needs_datasets = 1U << 4U,
};

struct MetricInfo {
  std::string name;  ///< kebab-case
  std::string summary;
  std::string citation;
  Direction direction = Direction::lower_is_better;
  double min = 0.0;  ///< range of a per-sample value
  double max = 1.0;
  unsigned needs = 0;
  std::vector<ParamSpec> params;
};

/// The material a metric scores: the attributions of a batch and what produced them.
struct MetricCase {
  const Model* model = nullptr;
  const Explainer* explainer = nullptr;
  const Params* explainer_params = nullptr;
  const Tensor* input = nullptr;  ///< [N,C,H,W]
  std::span<const std::int64_t> targets;
  const Tensor* attribution = nullptr;  ///< the map to score
  const Tensor* mask = nullptr;         ///< ground truth [N,1,H,W]
  const Tensor* reference = nullptr;    ///< a reference map
  const Params* params = nullptr;       ///< the metric's validated parameters
  bool signed_map = true;  ///< whether the attribution can be negative (Attribution::signed_map)
  std::optional<NodeId> layer;  ///< the layer the explainer worked at (Attribution::layer), so
                                ///< metrics re-running it ask for the same one
  const Dataset* train_data = nullptr;  ///< needs_datasets: data to train fresh models on
  const Dataset* test_data = nullptr;   ///< needs_datasets: the samples being scored
};

struct MetricResult {
  std::vector<double> per_sample;
  double aggregate = 0.0;  ///< the mean unless the metric says otherwise
};

/// A way of scoring explanations. Immutable and thread-safe.
class LUMEN_API Metric {
 public:
  virtual ~Metric();
  virtual MetricInfo info() const = 0;
  virtual MetricResult evaluate(const MetricCase& c, Context& context) const = 0;
};

}  // namespace lumen
