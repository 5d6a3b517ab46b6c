#include "evaluation_plan.hpp"

#include <algorithm>
#include <cstdlib>
#include <lumen/backend.hpp>
#include <lumen/error.hpp>
#include <lumen/explainer.hpp>
#include <lumen/metric.hpp>
#include <sstream>

#include "plugin_files.hpp"
#include "session.hpp"

namespace lumen::cli {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> split_list(const std::string& text, const std::string& flag) {
  std::vector<std::string> items;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    if (item.empty()) throw UsageError(flag + ": empty name in '" + text + "'");
    if (std::find(items.begin(), items.end(), item) != items.end()) {
      throw UsageError(flag + ": '" + item + "' is named twice");
    }
    items.push_back(item);
  }
  return items;
}

// OWNER.NAME=VALUE assignments grouped by owner; every owner must be one of `owners`.
std::map<std::string, std::map<std::string, std::string>> grouped(
    const std::vector<std::string>& assignments, const std::vector<std::string>& owners,
    const std::string& flag, const std::string& list_flag) {
  std::map<std::string, std::map<std::string, std::string>> out;
  for (const auto& text : assignments) {
    const auto eq = text.find('=');
    const auto dot = text.find('.');
    if (eq == std::string::npos || dot == std::string::npos || dot > eq) {
      throw UsageError(flag + " '" + text + "': expected NAME.KEY=VALUE");
    }
    const std::string owner = text.substr(0, dot);
    if (std::find(owners.begin(), owners.end(), owner) == owners.end()) {
      throw UsageError(flag + " '" + text + "': '" + owner + "' is not in " + list_flag);
    }
    out[owner][text.substr(dot + 1, eq - dot - 1)] = text.substr(eq + 1);
  }
  return out;
}

const Preset* find_preset(const std::string& name) {
  for (const auto& p : presets())
    if (p.name == name) return &p;
  return nullptr;
}

}  // namespace

const std::vector<Preset>& presets() {
  static const std::vector<Preset> all{
      {"sar-study",
       "the SAR study's Table 1: eight methods, max-sensitivity and XAI entropy",
       {"integrated-gradients", "input-x-gradient", "guided-backprop", "deconvnet", "saliency",
        "occlusion", "guided-grad-cam", "grad-cam"},
       {"max-sensitivity", "xai-entropy"},
       {{"occlusion", {{"window", "15,15"}, {"stride", "5,5"}}}}},
      {"cluster-cam",
       "the Cluster-CAM paper's tables: five CAMs, confidence drop and increase",
       {"grad-cam", "grad-cam-pp", "ablation-cam", "score-cam", "cluster-cam"},
       {"confidence-drop", "confidence-increase"},
       {}},
  };
  return all;
}

fs::path demo_model_path() {
  const fs::path relative = fs::path("sar") / "model.onnx";
  if (const char* env = std::getenv("LUMEN_EXAMPLES_DIR"); env != nullptr && *env != '\0') {
    return fs::path(env) / relative;
  }
  std::vector<fs::path> candidates;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    candidates.push_back(exe.parent_path().parent_path() / "share" / "lumen" / "examples" /
                         relative);
  }
  candidates.push_back(fs::path(LUMEN_BUILD_EXAMPLES_DIR) / relative);
  for (const auto& c : candidates)
    if (fs::exists(c, ec)) return c;
  return candidates.back();
}

EvaluationPlan make_plan(const EvaluateOptions& o, const Session& session) {
  const Preset* preset = nullptr;
  if (!o.preset.empty()) {
    preset = find_preset(o.preset);
    if (preset == nullptr) {
      std::string names;
      for (const auto& p : presets()) names += " " + p.name;
      throw UsageError("--preset '" + o.preset + "' is unknown; presets:" + names);
    }
    if (!o.methods.empty() || !o.metrics.empty()) {
      throw UsageError("--preset " + o.preset +
                       " sets the methods and metrics itself: drop "
                       "--methods/--metrics, or drop --preset");
    }
  } else if (o.methods.empty() || o.metrics.empty()) {
    throw UsageError("give --methods and --metrics, or a --preset");
  }
  if (preset == nullptr && (o.model.empty() || o.data.empty())) {
    throw UsageError("give --model and --data (only a --preset has a default model and data)");
  }
  if (o.target != "label" && o.target != "prediction") {
    throw UsageError("--target '" + o.target + "': expected label or prediction");
  }

  EvaluationPlan plan;
  plan.model = o.model.empty() ? demo_model_path() : fs::path(o.model);
  plan.data = o.data.empty() ? demo_data : o.data;
  plan.layer = o.layer;
  plan.target = o.target;
  plan.samples = o.samples;
  plan.gallery = o.gallery;
  const auto methods = preset ? preset->methods : split_list(o.methods, "--methods");
  const auto metrics = preset ? preset->metrics : split_list(o.metrics, "--metrics");
  auto method_params = preset ? preset->params : decltype(preset->params){};
  for (const auto& [method, values] : grouped(o.params, methods, "--param", "--methods")) {
    for (const auto& [key, value] : values) method_params[method][key] = value;
  }
  const auto metric_params = grouped(o.metric_params, metrics, "--metric-param", "--metrics");
  for (const auto& m : methods) {
    const auto explainer = session.registry().explainer(m);
    const auto given =
        method_params.count(m) != 0U ? method_params.at(m) : std::map<std::string, std::string>{};
    plan.methods.push_back({m, Params::validate(explainer->info().params, given, m)});
  }
  for (const auto& m : metrics) {
    const auto metric = session.registry().metric(m);
    const auto given =
        metric_params.count(m) != 0U ? metric_params.at(m) : std::map<std::string, std::string>{};
    plan.metrics.push_back({m, Params::validate(metric->info().params, given, m)});
  }
  std::string dataset_level;
  for (const auto& m : plan.metrics) {
    if (session.registry().metric(m.name)->info().kind == MetricKind::dataset) {
      dataset_level += (dataset_level.empty() ? "" : ", ") + m.name;
    }
  }
  if (!dataset_level.empty() && o.train_data.empty()) {
    throw UsageError("metric " + dataset_level +
                     " trains fresh models: give the training data with --train-data SPEC");
  }
  if (dataset_level.empty() && !o.train_data.empty()) {
    throw UsageError(
        "--train-data is only used by dataset-level metrics (such as "
        "masked-retrain-accuracy), and none is planned");
  }
  plan.train_data = o.train_data;
  return plan;
}

nlohmann::json to_json(const EvaluationPlan& plan, const Session& session) {
  // Each item with the plugin file that supplied it: another file (an override) is another run.
  auto items = [&](const std::vector<PlannedItem>& list, const char* kind) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& item : list) {
      out.push_back({{"name", item.name},
                     {"params", item.params.values()},
                     {"file", session.registry().file_of(kind, item.name)}});
    }
    return out;
  };
  std::error_code ec;
  const fs::path model = fs::absolute(plan.model, ec);
  return {{"model", ec ? plan.model.string() : model.lexically_normal().string()},
          {"data", plan.data},
          {"train_data", plan.train_data},
          {"samples", plan.samples},
          {"target", plan.target},
          {"layer", plan.layer},
          {"gallery", plan.gallery},
          {"seed", session.options().seed},
          {"backend", session.backend()->info().name},
          {"methods", items(plan.methods, "explainer")},
          {"plugin_files",
           engine_files(session.registry(), plan.model, session.backend()->info().name)},
          {"metrics", items(plan.metrics, "metric")}};
}

}  // namespace lumen::cli
