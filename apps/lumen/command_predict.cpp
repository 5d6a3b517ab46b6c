// `lumen predict`: the top classes of every sample.
#include <CLI/CLI.hpp>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>

#include "input.hpp"
#include "prediction.hpp"
#include "session.hpp"

namespace lumen::cli {
namespace {

struct PredictOptions {
  std::string model, input, mean, std;
  std::int64_t top = 5;
  bool json = false;
};

nlohmann::json row(const Tensor& t, std::int64_t r) {
  const std::int64_t cols = t.dim(1);
  return std::vector<float>(t.data() + r * cols, t.data() + (r + 1) * cols);
}

int run_predict(const PredictOptions& o, Session& session) {
  const Model model = session.load_model(o.model);
  const InputBatch input =
      load_input(o.input, model, parse_floats(o.mean, "--mean"), parse_floats(o.std, "--std"));
  const auto context = session.make_context();
  const Scores scores = predict(model, input.values, *context);
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
  auto* app = parent.add_subcommand("predict", "Print the top classes of each input sample");
  auto o = std::make_shared<PredictOptions>();
  app->add_option("--model", o->model, "Model file (e.g. .onnx)")->required();
  app->add_option("--input", o->input, "Input: .npy ([N,C,H,W] or [C,H,W]) or PNG/JPEG image")
      ->required();
  app->add_option("--top", o->top, "Number of classes to show per sample")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app->add_flag("--json", o->json, "Print logits and probabilities as JSON");
  app->add_option("--mean", o->mean, "Per-channel mean for image inputs, e.g. 0.485,0.456,0.406");
  app->add_option("--std", o->std, "Per-channel std for image inputs, e.g. 0.229,0.224,0.225");
  return {app, [o](Session& session) { return run_predict(*o, session); }};
}

}  // namespace lumen::cli
