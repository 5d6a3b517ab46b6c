// `lumen evaluate`: every method on every sample of a dataset, every metric on every attribution,
// streamed through a flow graph, journalled so an interrupted run resumes, and reported as the
// papers' tables (docs/evaluate.md).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <lumen/dataset.hpp>
#include <lumen/error.hpp>
#include <lumen/explainer.hpp>
#include <lumen/metric.hpp>
#include <lumen/model.hpp>
#include <lumen/output_dir.hpp>
#include <memory>
#include <optional>

#include "evaluation_journal.hpp"
#include "evaluation_pipeline.hpp"
#include "evaluation_plan.hpp"
#include "evaluation_report.hpp"
#include "input.hpp"
#include "plugin_files.hpp"
#include "session.hpp"

namespace lumen::cli {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> final_files{"index.html", "results.csv", "results.json", "table.md"};

int print_plan(const EvaluationPlan& plan, const Session& session) {
  std::cout << "plan:\n  model: " << plan.model.string()
            << (fs::exists(plan.model) ? "" : "  (missing)") << "\n  data: " << plan.data
            << "\n  samples: " << (plan.samples > 0 ? std::to_string(plan.samples) : "all")
            << "\n  target: " << plan.target << "\n  methods:";
  for (const auto& m : plan.methods) std::cout << ' ' << m.name;
  std::cout << "\n  metrics:";
  for (const auto& m : plan.metrics) std::cout << ' ' << m.name;
  std::cout << '\n' << to_json(plan, session).dump(2) << '\n';
  return 0;
}

Model load_model(const EvaluationPlan& plan, const EvaluateOptions& o, const Session& session) {
  if (o.model.empty() && !fs::exists(plan.model)) {
    throw IoError("--preset " + o.preset +
                  " without --model runs on the bundled demo SAR model, "
                  "which is not there (looked for '" +
                  plan.model.string() +
                  "'); build it (examples/sar), set LUMEN_EXAMPLES_DIR to a directory holding "
                  "sar/model.onnx, or pass --model MODEL.onnx --data SPEC");
  }
  return session.load_model(plan.model, import_options(o.input_shape));
}

void check_shapes(const Model& model, const Dataset& dataset, const std::string& spec) {
  const Shape wanted = model.batch_shape(1);
  const Shape have = dataset.sample_shape();
  if (have.size() != 3 || wanted.size() != 4 ||
      !std::equal(have.begin(), have.end(), wanted.begin() + 1)) {
    throw ShapeError("the dataset '" + spec + "' has samples " + to_string(have) +
                     " but the model takes " + to_string(wanted));
  }
}

// Refuses, before any work, what would fail on every sample: labels the model does not have,
// methods that cannot run on the model (why_not: a GAP head or a spatial layer it lacks, --layer
// not spatial).
void check_fit(const EvaluationPlan& plan, const Model& model, const Dataset& dataset,
               const Session& session) {
  const auto classes = static_cast<std::int64_t>(dataset.class_names().size());
  if (plan.target == "label" && classes > model.class_count()) {
    throw InvalidArgument("the dataset '" + plan.data + "' has " + std::to_string(classes) +
                          " classes but the model only " + std::to_string(model.class_count()));
  }
  const std::optional<NodeId> layer = chosen_layer(model, plan.layer);
  for (const auto& m : plan.methods) {
    const ExplainerInfo info = session.registry().explainer(m.name)->info();
    // --layer goes to the methods that work at a layer (evaluation_pipeline.cpp, layer_for).
    const auto reason =
        why_not(info, model, info.layer_use == LayerUse::none ? std::nullopt : layer);
    if (reason) {
      throw InvalidArgument(m.name + " cannot run on '" + plan.model.string() + "': " + *reason);
    }
  }
}

int run_evaluate(const EvaluateOptions& o, Session& session) {
  const EvaluationPlan plan = make_plan(o, session);
  if (o.dry_run) return print_plan(plan, session);
  if (o.out.empty()) throw UsageError("--out is required (except with --dry-run)");
  refuse_input_as_output(
      o.out, {plan.model, dataset_location(plan.data), dataset_location(plan.train_data)});
  const Model model = load_model(plan, o, session);
  const auto dataset = session.registry().open_dataset(plan.data);
  check_shapes(model, *dataset, plan.data);
  check_metrics_fit(plan, session, *dataset);
  check_fit(plan, model, *dataset, session);
  const std::int64_t samples =
      plan.samples > 0 ? std::min(plan.samples, dataset->size()) : dataset->size();

  const OutputDir out = OutputDir::create(o.out);
  const nlohmann::json header = to_json(plan, session);
  Journal journal(out, header, o.force);
  for (const auto& f : final_files) out.remove(f);  // only a finished run has them
  const auto total = static_cast<std::int64_t>(plan.methods.size()) * samples;
  if (!journal.resumed().empty()) {
    std::cerr << "resuming: " << journal.resumed().size() << " of " << total
              << " results are already in " << journal.path().string() << '\n';
  }
  std::unique_ptr<Dataset> train_data;
  if (!plan.train_data.empty()) {
    train_data = session.registry().open_dataset(plan.train_data);
    check_shapes(model, *train_data, plan.train_data);
  }
  const PipelineRun run{plan,    session, model,       *dataset, train_data.get(),
                        samples, out,     o.stop_after};
  if (!run_pipeline(run, journal)) {
    std::cerr << "stopped after " << o.stop_after
              << " new results (--stop-after); run the same command again to resume\n";
    return 3;
  }

  ReportInput report;
  report.arguments = header;
  for (const auto& m : plan.methods) report.methods.push_back(m.name);
  for (const auto& m : plan.metrics)
    report.metrics.push_back(session.registry().metric(m.name)->info());
  report.gallery = plan.gallery;
  auto position = [&](const std::string& method) {
    return std::find(report.methods.begin(), report.methods.end(), method) - report.methods.begin();
  };
  for (auto& r : journal.results()) {
    if (r.sample < samples) report.records.push_back(std::move(r));
  }
  std::map<std::string, std::vector<Component>> used;
  for (const auto& r : report.records) {
    auto& list = used[r.method];
    for (const auto& c : r.components) {
      if (std::find(list.begin(), list.end(), c) == list.end()) list.push_back(c);
    }
  }
  for (auto& [method, list] : used) {
    std::sort(list.begin(), list.end());
    report.component_files[method] = component_files(session.registry(), list);
  }
  std::sort(report.records.begin(), report.records.end(),
            [&](const ResultRecord& a, const ResultRecord& b) {
              return a.sample != b.sample ? a.sample < b.sample
                                          : position(a.method) < position(b.method);
            });
  if (static_cast<std::int64_t>(report.records.size()) != total) {
    throw IoError("the journal '" + journal.path().string() + "' holds " +
                  std::to_string(report.records.size()) + " results instead of " +
                  std::to_string(total) + "; remove it or use --force");
  }
  write_report(out, report);
  std::cout << "wrote " << (o.out / "results.csv").string() << ", results.json, table.md and "
            << (o.out / "index.html").string() << '\n';
  return 0;
}

}  // namespace

Command add_evaluate_command(CLI::App& parent) {
  auto* app = parent.add_subcommand(
      "evaluate",
      "Run methods and metrics over a dataset; write results.csv/json, table.md, index.html");
  auto o = std::make_shared<EvaluateOptions>();
  app->add_option("--model", o->model, "Model file (default with --preset: the demo SAR model)");
  add_input_shape_option(*app, o->input_shape);
  app->add_option(
      "--data", o->data,
      "Dataset KIND:LOCATION[?name=value&...] (default with --preset: " + demo_data + ")");
  app->add_option("--train-data", o->train_data,
                  "Training data of dataset-level metrics (masked-retrain-accuracy), "
                  "KIND:LOCATION[?name=value&...]");
  app->add_option("--methods", o->methods, "Explainers, comma-separated");
  app->add_option("--metrics", o->metrics, "Metrics, comma-separated");
  std::string preset_help = "A paper's evaluation instead of --methods/--metrics:";
  for (const auto& p : presets()) preset_help += " " + p.name + " (" + p.description + ");";
  app->add_option("--preset", o->preset, preset_help);
  app->add_option("--samples", o->samples, "Evaluate the first N samples (default: all)")
      ->check(CLI::NonNegativeNumber);
  app->add_option("--target", o->target,
                  "Class explained: label (the dataset's) or prediction (the model's top class)")
      ->capture_default_str();
  app->add_option("--layer", o->layer, "Layer for the methods that work at one");
  app->add_option("--param", o->params, "Parameter of one method: METHOD.NAME=VALUE (repeatable)")
      ->allow_extra_args(false);
  app->add_option("--metric-param", o->metric_params,
                  "Parameter of one metric: METRIC.NAME=VALUE (repeatable)")
      ->allow_extra_args(false);
  app->add_option("--gallery", o->gallery, "Samples shown in the heatmap gallery")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app->add_option("--out", o->out, "Output directory (an interrupted run there is resumed)");
  app->add_flag("--force", o->force, "Start over in --out even if it holds another run");
  app->add_flag("--dry-run", o->dry_run, "Print the plan (methods, metrics, parameters) and exit");
  app->add_option("--stop-after", o->stop_after, "Stop after N new results (to test resuming)")
      ->group("");
  return {app, [o](Session& session) { return run_evaluate(*o, session); }};
}

}  // namespace lumen::cli
