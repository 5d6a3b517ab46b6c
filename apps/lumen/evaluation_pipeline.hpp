#pragma once
// The streaming part of `lumen evaluate`: a oneTBB flow graph that reads samples by index,
// explains each with every method, scores every attribution with every metric and hands the
// results, one (sample, method) at a time, to a serial writer (journal, gallery, progress).
// Dataset-level metrics (MetricKind::dataset) are scored first, once per method over the evaluated
// samples, and their per-sample values join each (sample, method) record.
#include <cstdint>
#include <lumen/output_dir.hpp>
#include <string>

#include "evaluation_journal.hpp"
#include "evaluation_plan.hpp"

namespace lumen {
class Dataset;
class Model;
}  // namespace lumen

namespace lumen::cli {

struct PipelineRun {
  const EvaluationPlan& plan;
  const Session& session;
  const Model& model;
  const Dataset& dataset;
  const Dataset* train_data;    ///< for dataset-level metrics; null when none is planned
  std::int64_t samples;         ///< the first `samples` of the dataset
  const OutputDir& out;         ///< the gallery PNGs go to its gallery/
  std::int64_t stop_after = 0;  ///< >0: stop after this many new results (tests)
};

/// The gallery PNG of sample `index` for `method` ("input" for the input itself).
inline std::string gallery_file(std::int64_t index, const std::string& method) {
  return "s" + std::to_string(index) + "-" + method + ".png";
}

/// Scores every dataset-level metric for every method the journal does not hold yet (appending
/// each), then runs every (sample, method) the journal does not hold yet (appending each).
/// Returns false when stopped early by stop_after. Samples in flight are bounded (2 per thread), so
/// memory does not grow with the dataset.
bool run_pipeline(const PipelineRun& run, Journal& journal);

/// Checks, before any work, that the metrics can be computed on this dataset (a metric needing
/// masks on a dataset without them is refused, naming both).
void check_metrics_fit(const EvaluationPlan& plan, const Session& session, const Dataset& dataset);

}  // namespace lumen::cli
