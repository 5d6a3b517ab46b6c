#pragma once
// What `lumen evaluate` runs: the model, the data, the methods and metrics with their validated
// parameters, and the presets that fill them in (docs/evaluate.md).
#include <cstdint>
#include <filesystem>
#include <lumen/params.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace lumen::cli {

class Session;

/// The command line of `lumen evaluate`, as given.
struct EvaluateOptions {
  std::string model, data, train_data, methods, metrics, preset, layer, target = "label";
  std::string input_shape;  ///< --input-shape, empty when not given
  std::filesystem::path out;
  std::vector<std::string> params, metric_params;
  std::int64_t samples = 0;  ///< 0: every sample of the dataset
  std::int64_t gallery = 8;  ///< samples shown in the heatmap gallery
  std::int64_t stop_after = 0;
  bool force = false, dry_run = false;
};

/// A preset: the methods (with parameters) and metrics of one paper's evaluation.
struct Preset {
  std::string name, description;
  std::vector<std::string> methods, metrics;
  std::map<std::string, std::map<std::string, std::string>> params;  ///< method -> name -> value
};
const std::vector<Preset>& presets();

struct PlannedItem {
  std::string name;
  Params params;
};

/// The whole run, every name checked against the registry and every parameter validated.
struct EvaluationPlan {
  std::filesystem::path model;
  std::string data, layer, target;
  std::string train_data;    ///< what dataset-level metrics train on; empty when none is planned
  std::int64_t samples = 0;  ///< 0: every sample
  std::int64_t gallery = 0;
  std::vector<PlannedItem> methods, metrics;
};

/// The bundled demo model a preset runs on without --model: LUMEN_EXAMPLES_DIR/sar/model.onnx
/// when that variable is set, else the first of the installed share/lumen/examples and the
/// build's examples holding sar/model.onnx (the build's path when neither does).
std::filesystem::path demo_model_path();
/// The synthetic SAR test chips a preset runs on without --data.
inline const std::string demo_data = "synthetic-sar:?split=test&n=100&seed=1";

/// Expands the preset, merges --param / --metric-param and validates everything. Throws
/// UsageError / InvalidArgument / NotFound naming the flag, method or metric at fault.
EvaluationPlan make_plan(const EvaluateOptions& options, const Session& session);

/// The plan as JSON: the journal's header, and what `--dry-run` prints.
nlohmann::json to_json(const EvaluationPlan& plan, const Session& session);

}  // namespace lumen::cli
