// `lumen explain`: one explanation of a batch, written as .npy or PNG heatmaps plus a JSON record.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <iomanip>
#include <iostream>
#include <lumen/backend.hpp>
#include <lumen/error.hpp>
#include <lumen/explainer.hpp>
#include <lumen/importer.hpp>
#include <lumen/io.hpp>
#include <lumen/output_dir.hpp>
#include <map>
#include <nlohmann/json.hpp>

#include "details.hpp"
#include "explanation.hpp"
#include "input.hpp"
#include "plugin_files.hpp"
#include "prediction.hpp"
#include "session.hpp"

namespace lumen::cli {
namespace {

struct ExplainOptions {
  std::string model, input, method, layer, out;
  std::string input_shape;
  std::vector<std::string> params;
  std::int64_t target = -1;
  CLI::Option* target_option = nullptr;
  bool raw_layer = false;
  std::string channels = "auto";
  std::string dump_details;
  ImageOptions image;
};

std::map<std::string, std::string> given_params(const std::vector<std::string>& assignments) {
  std::map<std::string, std::string> given;
  for (const auto& text : assignments) {
    auto [name, value] = parse_assignment(text);
    if (!given.emplace(name, value).second) {
      throw InvalidArgument("--param: parameter '" + name + "' is given twice");
    }
  }
  return given;
}

// Parameter values with the JSON type of their declaration.
nlohmann::json typed_params(const Params& params, const std::vector<ParamSpec>& specs) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [name, text] : params.values()) {
    const auto spec = std::find_if(specs.begin(), specs.end(),
                                   [&n = name](const ParamSpec& s) { return s.name == n; });
    const ParamType type = spec == specs.end() ? ParamType::text : spec->type;
    switch (type) {
      case ParamType::integer: out[name] = params.integer(name); break;
      case ParamType::real: out[name] = params.real(name); break;
      case ParamType::boolean: out[name] = params.boolean(name); break;
      case ParamType::list:
        if (spec->element == ParamType::choice) {
          out[name] = params.choice_list(name);
        } else if (spec->element == ParamType::integer) {
          const auto& values = params.list(name);
          out[name] = std::vector<std::int64_t>(values.begin(), values.end());
        } else {
          out[name] = params.list(name);
        }
        break;
      default: out[name] = text; break;
    }
  }
  return out;
}

// The plugin files that supplied the method, the model's importer, each backend of the chain and
// each rule, composite, canonizer and explainer the method used.
nlohmann::json plugin_files(const Registry& registry, const std::string& method,
                            const std::filesystem::path& model, const std::string& chain,
                            const std::vector<Component>& components) {
  nlohmann::json files = engine_files(registry, model, chain);
  files["explainer"] = registry.file_of("explainer", method);
  files.update(component_files(registry, components));
  return files;
}

// Per sample: target, the model's prediction, the file the sample's attribution went to and the
// explainer's details.
nlohmann::json sample_records(const Model& model, const Scores& scores,
                              const std::vector<Prediction>& predictions,
                              const std::vector<std::int64_t>& targets,
                              const std::vector<std::filesystem::path>& outputs,
                              const std::vector<nlohmann::json>& details) {
  nlohmann::json samples = nlohmann::json::array();
  const std::int64_t classes = model.class_count();
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const auto s = static_cast<std::int64_t>(i);
    samples.push_back({{"index", s},
                       {"target", targets[i]},
                       {"target_label", model.label(targets[i])},
                       {"target_probability", scores.probabilities[s * classes + targets[i]]},
                       {"prediction",
                        {{"class", predictions[i].target},
                         {"label", predictions[i].label},
                         {"probability", predictions[i].probability}}},
                       {"output", outputs[i].string()},
                       {"details", details[i]}});
  }
  return samples;
}

int run_explain(const ExplainOptions& o, Session& session) {
  const auto explainer = session.registry().explainer(o.method);
  const ExplainerInfo info = explainer->info();
  const Params params = Params::validate(info.params, given_params(o.params), info.name);
  const std::filesystem::path out(o.out);
  auto json_file = out;
  json_file.replace_extension(".json");
  const std::vector<std::filesystem::path> inputs{o.model, o.input};
  for (const auto& output : {out, json_file, std::filesystem::path(o.dump_details)}) {
    refuse_input_as_output(output, inputs);
  }
  const bool npy_out = out.extension() == ".npy";
  const bool layer_space = info.output == OutputSpace::layer;
  if (info.layer_use == LayerUse::none && !o.layer.empty()) {
    throw UsageError("--layer: method '" + info.name + "' does not work at a layer");
  }
  // Input-space methods have a layer map only when given a layer (LayerUse::optional, e.g. lrp).
  if (o.raw_layer && !layer_space && (info.layer_use == LayerUse::none || o.layer.empty())) {
    throw UsageError(
        "--raw-layer: method '" + info.name + "' explains in input space and has " +
        (info.layer_use == LayerUse::none ? "no layer map" : "a layer map only with --layer"));
  }
  if (o.channels != "auto" && npy_out) {
    throw UsageError("--channels chooses how PNG heatmaps show channels; .npy output is raw");
  }
  if (o.raw_layer && !npy_out) {
    throw UsageError("--raw-layer needs an .npy --out (layer maps are not drawn as heatmaps)");
  }

  const RawInput raw = read_input(o.input, o.image);
  const Model model = load_model_for_input(session, o.model, o.input_shape, &raw, o.image);
  const bool fixed_target = o.target_option->count() > 0;
  if (fixed_target && (o.target < 0 || o.target >= model.class_count())) {
    throw InvalidArgument("--target " + std::to_string(o.target) +
                          " is out of range: the model has " + std::to_string(model.class_count()) +
                          " classes (0.." + std::to_string(model.class_count() - 1) + ")");
  }
  const InputBatch input = load_input(raw, model, o.image);
  const std::optional<NodeId> layer = chosen_layer(model, o.layer);

  const auto context = session.make_context();
  const Scores scores = predict(model, input.values, *context, "input '" + o.input + "'");
  const std::vector<Prediction> predictions = top_predictions(model, scores);
  std::vector<std::int64_t> targets;
  for (const auto& p : predictions) targets.push_back(fixed_target ? o.target : p.target);

  const OutputDir out_dir = OutputDir::open(out.parent_path());
  const Attribution a = explainer->explain({model, input.values, targets, params, layer}, *context);

  std::vector<std::filesystem::path> files;
  nlohmann::json colour_map;  // null for .npy output
  if (o.raw_layer && a.layer_map.empty()) {
    throw Error("method '" + info.name + "' returned no layer map for --raw-layer");
  }
  const std::string out_name = out.filename().string();
  if (npy_out) {
    out_dir.write_file(out_name, encode_npy(o.raw_layer ? a.layer_map : a.map));
    files.push_back(out);
  } else {
    // A batch or --channels none adds suffixes, which an input might carry.
    for (const auto& name : heatmap_names(out_name, a.map.shape(), o.channels)) {
      refuse_input_as_output(out_dir / name, inputs);
    }
    const bool signed_map = a.signed_map;
    files = write_heatmaps(out_dir, out_name, a.map, signed_map, input.background, o.channels);
    colour_map = signed_map ? "diverging" : "sequential";
  }

  const std::int64_t n = input.values.dim(0);
  std::vector<std::filesystem::path> sample_outputs;
  for (std::int64_t i = 0; i < n; ++i)
    sample_outputs.push_back(
        npy_out ? out
                : files[static_cast<std::size_t>(i) * files.size() / static_cast<std::size_t>(n)]);
  std::optional<OutputDir> dump_dir;
  if (!o.dump_details.empty()) dump_dir = OutputDir::create(o.dump_details);
  const DetailRecords details =
      record_details(a, input.background, dump_dir ? &*dump_dir : nullptr);
  const nlohmann::json samples =
      sample_records(model, scores, predictions, targets, sample_outputs, details.per_sample);
  nlohmann::json outputs = nlohmann::json::array();
  for (const auto& f : files) outputs.push_back(f.string());
  const nlohmann::json record{
      {"method", info.name},
      {"model", o.model},
      {"input", o.input},
      {"params", typed_params(params, info.params)},
      {"layer", a.layer ? nlohmann::json(model.graph().node(*a.layer).name) : nlohmann::json()},
      {"raw_layer", o.raw_layer},
      {"channels", npy_out ? nlohmann::json(nullptr) : nlohmann::json(o.channels)},
      {"output_shape", (o.raw_layer ? a.layer_map : a.map).shape()},
      {"samples", samples},
      {"passes", {{"forward", a.passes.forward}, {"backward", a.passes.backward}}},
      {"seconds", a.seconds},
      {"notes", a.notes},
      {"details", details.summary},
      {"outputs", outputs},
      {"colour_map", colour_map},
      {"backend", context->backend().info().name},
      {"plugin_files", plugin_files(session.registry(), info.name, o.model,
                                    context->backend().info().name, a.components)},
      {"threads", context->threads()},
      {"seed", session.options().seed}};
  try {
    out_dir.write_file(json_file.filename().string(), record.dump(2) + "\n");
  } catch (const Error&) {
    // The maps and their record go together: without the record, take the maps back.
    for (const auto& f : files) {
      try {
        out_dir.remove(f.filename().string());
      } catch (const Error&) {  // the record's error is the one to report
      }
    }
    throw;
  }

  for (std::int64_t s = 0; s < n; ++s) {
    const auto i = static_cast<std::size_t>(s);
    std::cout << "sample " << s << ": target " << targets[i] << " (" << model.label(targets[i])
              << "), predicted " << predictions[i].label << " (" << std::fixed
              << std::setprecision(4) << predictions[i].probability << std::defaultfloat << ")\n";
  }
  for (const auto& f : files) std::cout << "wrote " << f.string() << '\n';
  if (dump_dir) {
    std::cout << "wrote " << details.files.size() << " detail files to "
              << dump_dir->path().string() << '\n';
  }
  std::cout << "wrote " << json_file.string() << '\n';
  return 0;
}

}  // namespace

Command add_explain_command(CLI::App& parent) {
  auto* app = parent.add_subcommand("explain", "Explain the model's decision on an input");
  auto o = std::make_shared<ExplainOptions>();
  app->add_option("--model", o->model, "Model file (e.g. .onnx)")->required();
  add_input_shape_option(*app, o->input_shape);
  app->add_option("--input", o->input, "Input: .npy ([N,C,H,W] or [C,H,W]) or PNG/JPEG image")
      ->required();
  app->add_option("--method", o->method, "Explainer name (see `lumen plugins`)")->required();
  app->add_option("--param", o->params, "Explainer parameter name=value (repeatable)")
      ->allow_extra_args(false);
  o->target_option = app->add_option("--target", o->target,
                                     "Class to explain (default: each sample's prediction)");
  app->add_option("--layer", o->layer,
                  "Methods that work at a layer (layer-space methods, lrp): node name or output "
                  "tensor name");
  app->add_flag("--raw-layer", o->raw_layer,
                "With .npy output: write the layer map (layer-space methods: the map at the "
                "layer resolution; lrp with --layer: the relevance at the layer, [N,C,h,w])");
  app->add_option("--channels", o->channels,
                  "PNG output: how channels are shown: auto (max for unsigned maps, sum for "
                  "signed), max, sum, or none (one heatmap per channel)")
      ->check(CLI::IsMember(channel_modes));
  app->add_option("--dump-details,--dump-clusters", o->dump_details,
                  "Write the method's details (e.g. Cluster-CAM's clusters, scores and masks) to "
                  "this directory: each as .npy, image details also as heatmap PNGs")
      ->type_name("DIR");
  add_image_options(*app, o->image);
  app->add_option("--out", o->out, "Output: .npy (raw attribution) or .png (heatmaps)")
      ->required()
      ->check([](const std::string& value) {
        const auto ext = std::filesystem::path(value).extension();
        return ext == ".npy" || ext == ".png" ? std::string() : "must end in .npy or .png";
      });
  return {app, [o](Session& session) { return run_explain(*o, session); }};
}

}  // namespace lumen::cli
