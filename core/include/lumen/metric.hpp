#pragma once
#include <cstdint>
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

/// What a metric scores, and so which case it takes.
enum class MetricKind {
  batch,    ///< the attributions of a batch (BatchCase): one value per sample
  dataset,  ///< a dataset-level metric: an explainer over a training and a test set (DatasetCase):
            ///< one value per test sample; scored once per explainer, e.g. by retraining on masked
            ///< data
};
LUMEN_API const char* to_string(MetricKind kind);

/// What a batch metric needs beyond the batch, its attribution and its parameters, as flags.
/// A dataset-level metric always gets the model and the explainer, and can have no mask or
/// reference.
enum MetricNeed : unsigned {
  needs_model = 1U << 0U,
  needs_explainer = 1U << 1U,      ///< the explainer and its parameters, to re-run it (and the
                                   ///< model it runs on)
  needs_mask = 1U << 2U,           ///< ground-truth masks [N,1,H,W]
  needs_reference_map = 1U << 3U,  ///< another method's map of the batch [N,*,H,W]
};

struct MetricInfo {
  std::string name;  ///< kebab-case
  std::string summary;
  std::string citation;
  MetricKind kind = MetricKind::batch;
  Direction direction = Direction::lower_is_better;
  double min = 0.0;  ///< range of a per-sample value
  double max = 1.0;
  unsigned needs = 0;  ///< MetricNeed flags
  std::vector<ParamSpec> params;
};

/// The material a batch metric scores: the attributions of a batch and what produced them. The
/// references are always needed; each pointer must be set when the metric's `needs` ask for it
/// (Metric::evaluate refuses the case otherwise) and may be null when they do not.
struct BatchCase {
  const Tensor& input;                    ///< [N,C,H,W], N >= 1
  std::span<const std::int64_t> targets;  ///< one class per sample
  const Tensor& attribution;              ///< the map to score, [N,*,H,W]
  const Params& params;                   ///< the metric's, validated against its info().params
  bool signed_map = true;  ///< whether the attribution can be negative (Attribution::signed_map)
  std::optional<NodeId> layer{};  ///< the layer the explainer worked at (Attribution::layer), so
                                  ///< metrics re-running it ask for the same one
  const Model* model = nullptr;   ///< needs_model, needs_explainer
  const Explainer* explainer = nullptr;      ///< needs_explainer
  const Params* explainer_params = nullptr;  ///< needs_explainer: validated against the
                                             ///< explainer's info().params
  const Tensor* mask = nullptr;              ///< needs_mask: ground truth [N,1,H,W], > 0.5 inside
  const Tensor* reference = nullptr;         ///< needs_reference_map: [N,*,H,W]
};

/// The material a dataset-level metric scores: an explainer (with its model and parameters) over a
/// training and a test set whose samples have the model's input shape.
struct DatasetCase {
  const Model& model;
  const Explainer& explainer;
  const Params& explainer_params;  ///< validated against the explainer's info().params
  const Params& params;            ///< the metric's, validated against its info().params
  const Dataset& train_data;       ///< what fresh models train on
  const Dataset& test_data;        ///< the samples scored, at least one
  std::optional<NodeId> layer{};   ///< the layer the explainer works at (empty: its default)
};

/// A metric's values. Values are finite: where a metric's formula is undefined (the correlation
/// of a constant map, a mask with no pixel inside) it returns the value its documentation names
/// instead (0, 0.5, a miss), never NaN; hosts use NaN for "no value" (a failed method).
struct MetricResult {
  std::vector<double> per_sample;  ///< one per sample of the batch, or of the test set
  double aggregate = 0.0;          ///< the mean unless the metric says otherwise
};

/// A way of scoring explanations. Immutable and thread-safe: evaluate may be called
/// concurrently, each call with its own context.
///
/// Callers call the non-virtual evaluate, which checks the case against info() and the result
/// against the case; implementations override the protected score_batch or score_dataset of
/// their kind, which may then rely on everything evaluate checked.
class LUMEN_API Metric {
 public:
  virtual ~Metric();
  virtual MetricInfo info() const = 0;

  /// Scores the attributions of a batch. Refuses, naming the metric and what is wrong, before
  /// any work: a dataset-level metric (InvalidArgument); parameters not validated against
  /// info().params (InvalidArgument); an input that is not [N,C,H,W] with N >= 1 (ShapeError) or,
  /// when the case has a model, does not fit it or is not finite (InvalidArgument); a target count
  /// other than N, or with a model a target out of range (InvalidArgument); an attribution or
  /// reference map that is not [N,*,H,W] or a mask that is not [N,1,H,W] (ShapeError), or not
  /// finite (InvalidArgument); a model, explainer (with its validated parameters), mask or
  /// reference map that `needs` asks for and the case lacks (InvalidArgument). Then runs
  /// score_batch inside the context's arena (callers need no Context::run; calling it inside one,
  /// or inside another metric's or explainer's work, enters the same arena directly), and throws
  /// Error naming the metric unless the result holds N finite values and a finite aggregate.
  MetricResult evaluate(const BatchCase& c, Context& context) const;

  /// Scores an explainer over datasets. Refuses, naming the metric and what is wrong, before any
  /// work: a batch metric (InvalidArgument); parameters of the metric or the explainer not
  /// validated against their info().params (InvalidArgument); an empty test set
  /// (InvalidArgument); datasets whose sample shape is not the model's (ShapeError). Then runs
  /// score_dataset inside the context's arena, and throws Error naming the metric unless the
  /// result holds one finite value per test sample and a finite aggregate.
  MetricResult evaluate(const DatasetCase& c, Context& context) const;

 protected:
  /// The work of a batch metric (MetricKind::batch), on a case evaluate has checked. The
  /// default throws Error: a batch metric must override it.
  virtual MetricResult score_batch(const BatchCase& c, Context& context) const;
  /// The work of a dataset-level metric (MetricKind::dataset), on a case evaluate has checked. The
  /// default throws Error: a dataset-level metric must override it.
  virtual MetricResult score_dataset(const DatasetCase& c, Context& context) const;
};

}  // namespace lumen
