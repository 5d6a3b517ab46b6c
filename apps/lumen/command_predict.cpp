// `lumen predict`: the top classes of every sample, or the accuracy and confusion matrix over a
// dataset.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <iomanip>
#include <iostream>
#include <lumen/dataset.hpp>
#include <lumen/error.hpp>
#include <lumen/io.hpp>
#include <nlohmann/json.hpp>

#include "input.hpp"
#include "prediction.hpp"
#include "session.hpp"

namespace lumen::cli {
namespace {

struct PredictOptions {
  std::string model, input, data;
  std::string input_shape;
  std::int64_t top = 5;
  bool json = false;
  ImageOptions image;
};

nlohmann::json row(const Tensor& t, std::int64_t r) {
  const std::int64_t cols = t.dim(1);
  return std::vector<float>(t.data() + r * cols, t.data() + (r + 1) * cols);
}

// The dataset's images as the model's input: normalised by its mean/std when it has them (as the
// trainer feeds them).
Tensor dataset_batch(const Model& model, const Dataset& data, std::int64_t first,
                     std::int64_t count, std::vector<std::int64_t>& labels) {
  const auto& spec = model.input_spec();
  Tensor batch(model.batch_shape(count));
  const auto per_sample = batch.size() / count;
  for (std::int64_t i = 0; i < count; ++i) {
    const Sample s = data.get(first + i);
    if (s.image.shape() != spec.sample_shape) {
      throw InvalidArgument("sample '" + s.id + "' has shape " + to_string(s.image.shape()) +
                            "; the model takes " + to_string(spec.sample_shape));
    }
    const Tensor x = standardise(spec, s.image);
    std::copy(x.values().begin(), x.values().end(), batch.data() + i * per_sample);
    labels.push_back(s.label);
  }
  return batch;
}

// Accuracy and confusion matrix (rows: true class, columns: predicted) over a whole dataset.
int run_predict_dataset(const PredictOptions& o, const Model& model, Session& session) {
  const auto data = session.registry().open_dataset(o.data);
  const auto classes = model.class_count();
  const auto names = data->class_names();
  if (static_cast<std::int64_t>(names.size()) > classes) {
    throw InvalidArgument("dataset '" + o.data + "' has " + std::to_string(names.size()) +
                          " classes; the model predicts " + std::to_string(classes));
  }
  const auto context = session.make_context();
  std::vector<std::vector<std::int64_t>> confusion(
      static_cast<std::size_t>(classes),
      std::vector<std::int64_t>(static_cast<std::size_t>(classes)));
  std::int64_t correct = 0;
  constexpr std::int64_t chunk = 64;
  for (std::int64_t first = 0; first < data->size(); first += chunk) {
    const auto count = std::min(chunk, data->size() - first);
    std::vector<std::int64_t> labels;
    const Tensor batch = dataset_batch(model, *data, first, count, labels);
    const Scores scores = predict(model, batch, *context, "dataset '" + o.data + "'", first);
    for (std::int64_t s = 0; s < count; ++s) {
      const auto predicted = ranked_classes(scores, s, 1).front();
      const auto truth = labels[static_cast<std::size_t>(s)];
      ++confusion[static_cast<std::size_t>(truth)][static_cast<std::size_t>(predicted)];
      correct += predicted == truth;
    }
  }
  const double accuracy =
      data->size() ? static_cast<double>(correct) / static_cast<double>(data->size()) : 0.0;
  std::vector<std::string> labels;
  for (std::int64_t c = 0; c < classes; ++c) labels.push_back(model.label(c));
  if (o.json) {
    const nlohmann::json doc{
        {"model", o.model},     {"data", o.data},   {"samples", data->size()}, {"correct", correct},
        {"accuracy", accuracy}, {"labels", labels}, {"confusion", confusion}};
    std::cout << doc.dump(2) << '\n';
    return 0;
  }
  std::cout << "accuracy " << std::fixed << std::setprecision(2) << 100.0 * accuracy << "% ("
            << correct << " of " << data->size() << ")\nconfusion matrix (rows: true class, "
            << "columns: predicted):\n";
  std::size_t width = 5;
  for (const auto& l : labels) width = std::max(width, l.size() + 1);
  std::cout << std::setw(static_cast<int>(width)) << "";
  for (std::int64_t c = 0; c < classes; ++c) std::cout << std::setw(6) << c;
  std::cout << '\n';
  for (std::int64_t r = 0; r < classes; ++r) {
    std::cout << std::setw(static_cast<int>(width)) << labels[static_cast<std::size_t>(r)];
    for (std::int64_t c = 0; c < classes; ++c) {
      std::cout << std::setw(6)
                << confusion[static_cast<std::size_t>(r)][static_cast<std::size_t>(c)];
    }
    std::cout << '\n';
  }
  std::cout << std::defaultfloat;
  return 0;
}

int run_predict(const PredictOptions& o, Session& session) {
  if (o.input.empty() == o.data.empty()) {
    throw UsageError("give exactly one of --input (samples to classify) and --data (a dataset)");
  }
  if (!o.data.empty()) {
    return run_predict_dataset(o, session.load_model(o.model, import_options(o.input_shape)),
                               session);
  }
  const RawInput raw = read_input(o.input, o.image);
  const Model model = load_model_for_input(session, o.model, o.input_shape, &raw, o.image);
  const InputBatch input = load_input(raw, model, o.image);
  const auto context = session.make_context();
  const Scores scores = predict(model, input.values, *context, "input '" + o.input + "'");
  const std::int64_t n = scores.logits.dim(0), classes = scores.logits.dim(1);

  if (o.json) {
    nlohmann::json samples = nlohmann::json::array();
    for (std::int64_t s = 0; s < n; ++s) {
      nlohmann::json top = nlohmann::json::array();
      for (std::int64_t c : ranked_classes(scores, s, o.top)) {
        top.push_back({{"class", c},
                       {"label", model.label(c)},
                       {"probability", scores.probabilities[s * classes + c]}});
      }
      samples.push_back({{"sample", s},
                         {"logits", row(scores.logits, s)},
                         {"probabilities", row(scores.probabilities, s)},
                         {"top", top}});
    }
    const nlohmann::json doc{{"model", o.model}, {"input", o.input}, {"samples", samples}};
    std::cout << doc.dump(2) << '\n';
    return 0;
  }
  for (std::int64_t s = 0; s < n; ++s) {
    std::cout << "sample " << s << ":\n";
    std::int64_t rank = 1;
    for (std::int64_t c : ranked_classes(scores, s, o.top)) {
      std::cout << "  " << rank++ << ". " << model.label(c) << " (class " << c << ")  "
                << std::fixed << std::setprecision(4) << scores.probabilities[s * classes + c]
                << std::defaultfloat << '\n';
    }
  }
  return 0;
}

}  // namespace

Command add_predict_command(CLI::App& parent) {
  auto* app = parent.add_subcommand(
      "predict", "Print the top classes of each input sample, or a dataset's accuracy");
  auto o = std::make_shared<PredictOptions>();
  app->add_option("--model", o->model, "Model file (e.g. .onnx)")->required();
  add_input_shape_option(*app, o->input_shape);
  app->add_option("--input", o->input, "Input: .npy ([N,C,H,W] or [C,H,W]) or PNG/JPEG image");
  auto* data = app->add_option("--data", o->data,
                               "Dataset KIND:LOCATION[?option=value&...]: print the accuracy and "
                               "confusion matrix instead");
  app->add_option("--top", o->top, "Number of classes to show per sample")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app->add_flag("--json", o->json, "Print logits and probabilities as JSON");
  // A dataset's samples are normalised as the model's metadata says, and its images have their
  // own limit (image-folder's max_pixels option): these options apply to --input only.
  add_image_options(*app, o->image, data);
  return {app, [o](Session& session) { return run_predict(*o, session); }};
}

}  // namespace lumen::cli
