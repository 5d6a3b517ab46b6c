// `lumen annotate MODEL --out OUT`: writes the input normalisation, the image preprocessing and
// the class labels into an ONNX model's metadata (lumen.mean, lumen.std, lumen.preprocess,
// lumen.labels), which lumen then applies and shows by itself.
#include <CLI/CLI.hpp>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <lumen/error.hpp>
#include <lumen/io.hpp>
#include <lumen/model.hpp>
#include <lumen/onnx_metadata.hpp>
#include <lumen/output_dir.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "input.hpp"
#include "session.hpp"

namespace lumen::cli {
namespace {

struct AnnotateOptions {
  std::string model, out, mean, std, labels, preset, preprocess, input_shape;
};

std::string read_bytes(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream bytes;
  if (!(in && bytes << in.rdbuf())) throw IoError("cannot read '" + file.string() + "'");
  return bytes.str();
}

// --labels FILE: a JSON array of strings, or one label per line (a last empty line ignored).
std::vector<std::string> read_labels(const std::filesystem::path& file) {
  const std::string text = read_bytes(file);
  if (text.find_first_not_of(" \t\r\n") != std::string::npos &&
      text[text.find_first_not_of(" \t\r\n")] == '[') {
    const auto json = nlohmann::json::parse(text, nullptr, false);
    if (json.is_discarded() || !json.is_array()) {
      throw InvalidArgument("--labels '" + file.string() +
                            "' starts with '[' but is not a JSON array");
    }
    std::vector<std::string> labels;
    for (const auto& item : json) {
      if (!item.is_string()) {
        throw InvalidArgument("--labels '" + file.string() + "' has the non-string entry " +
                              item.dump());
      }
      labels.push_back(item.get<std::string>());
    }
    return labels;
  }
  std::vector<std::string> labels;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    labels.push_back(line);
  }
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i].empty()) {
      throw InvalidArgument("--labels '" + file.string() + "', line " + std::to_string(i + 1) +
                            ": an empty label");
    }
  }
  return labels;
}

std::string number_list(const std::vector<float>& values) {
  std::string out;
  for (float v : values) {
    char text[32];
    const auto end = std::to_chars(text, text + sizeof text, v).ptr;  // shortest exact form
    out += (out.empty() ? "" : ",") + std::string(text, end);
  }
  return out;
}

int run_annotate(const AnnotateOptions& o, const Session& session) {
  const Model model = session.load_model(o.model, import_options(o.input_shape));
  std::vector<float> mean = parse_floats(o.mean, "--mean"), stdev = parse_floats(o.std, "--std");
  std::string preprocess = o.preprocess;
  if (o.preset == "imagenet") {
    if (mean.empty()) mean = imagenet_mean;
    if (stdev.empty()) stdev = imagenet_std;
    if (preprocess.empty()) preprocess = "imagenet";
  }
  if (mean.empty() != stdev.empty()) throw UsageError("give --mean and --std together");
  if (mean.empty() && preprocess.empty() && o.labels.empty()) {
    throw UsageError("nothing to write: give --mean and --std, --preset, --preprocess or --labels");
  }
  std::map<std::string, std::string> metadata;
  if (!preprocess.empty()) metadata["lumen.preprocess"] = preprocess;
  if (!mean.empty()) {
    // prepare_input's own checks: C values each, std positive, both finite.
    const InputSpec& spec = model.input_spec();
    prepare_input(Tensor({1, spec.sample_shape.at(0), 1, 1}), spec, mean, stdev);
    metadata["lumen.mean"] = number_list(mean);
    metadata["lumen.std"] = number_list(stdev);
  }
  if (!o.labels.empty()) {
    const auto labels = read_labels(o.labels);
    if (static_cast<std::int64_t>(labels.size()) != model.class_count()) {
      throw InvalidArgument("--labels '" + o.labels + "' has " + std::to_string(labels.size()) +
                            " labels but the model has " + std::to_string(model.class_count()) +
                            " classes");
    }
    metadata["lumen.labels"] = nlohmann::json(labels).dump();
  }
  refuse_input_as_output(o.out, {o.model});
  write_file(o.out, onnx_writer::with_metadata(read_bytes(o.model), metadata, o.model));
  try {
    session.load_model(o.out, import_options(o.input_shape));  // what lumen will read from it
  } catch (const Error&) {
    std::filesystem::remove(o.out);
    throw;
  }
  for (const auto& [key, value] : metadata) {
    std::cout << key << " = " << (key == "lumen.labels" ? value.substr(0, 60) : value)
              << (key == "lumen.labels" && value.size() > 60 ? "..." : "") << '\n';
  }
  std::cout << "wrote " << o.out << '\n';
  return 0;
}

}  // namespace

Command add_annotate_command(CLI::App& parent) {
  auto* app = parent.add_subcommand(
      "annotate",
      "Write an ONNX model's input normalisation, image preprocessing and class labels into its "
      "metadata (lumen.mean, lumen.std, lumen.preprocess, lumen.labels)");
  auto o = std::make_shared<AnnotateOptions>();
  app->add_option("model", o->model, "The ONNX model")->required();
  add_input_shape_option(*app, o->input_shape);
  app->add_option("--out", o->out, "The annotated model (a new file; the model is not changed)")
      ->required();
  app->add_option("--mean", o->mean, "Per-channel mean of the normalisation, e.g. 0.5,0.5,0.5");
  app->add_option("--std", o->std, "Per-channel std of the normalisation, e.g. 0.25,0.25,0.25");
  app->add_option("--preset", o->preset,
                  "imagenet: ImageNet's mean and std (0.485,0.456,0.406 and 0.229,0.224,0.225) "
                  "where --mean/--std are not given, and imagenet preprocessing unless "
                  "--preprocess says otherwise")
      ->check(CLI::IsMember({"imagenet"}));
  app->add_option("--preprocess", o->preprocess,
                  "How lumen makes an image into this model's input when the command line does "
                  "not say: stretch (resize to its H x W) or imagenet (torchvision's Resize(256) "
                  "+ CenterCrop(224))")
      ->check(CLI::IsMember({"stretch", "imagenet"}));
  app->add_option("--labels", o->labels,
                  "Class labels: a file with one label per line, or a JSON array of strings; one "
                  "per class")
      ->type_name("FILE");
  return {app, [o](Session& session) { return run_annotate(*o, session); }};
}

}  // namespace lumen::cli
