// `lumen demo`: explains the bundled example images with a few methods and writes heatmaps.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <lumen/error.hpp>
#include <lumen/io.hpp>
#include <lumen/resample.hpp>

#include "explanation.hpp"
#include "input.hpp"
#include "prediction.hpp"
#include "session.hpp"

namespace lumen::cli {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> demo_methods{"saliency", "grad-cam", "lrp"};
// The example images are 32x32; heatmaps are enlarged (bilinearly) to be visible.
constexpr std::int64_t display_size = 256;

fs::path model_in(const fs::path& dir) { return dir / "shapes" / "model.onnx"; }

// LUMEN_EXAMPLES_DIR, else the installed share/lumen/examples beside the executable's bin/,
// else the build tree's examples.
fs::path examples_dir() {
  if (const char* env = std::getenv("LUMEN_EXAMPLES_DIR"); env != nullptr && *env != '\0') {
    if (!fs::exists(model_in(env))) {
      throw IoError("LUMEN_EXAMPLES_DIR='" + std::string(env) + "' has no shapes/model.onnx");
    }
    return env;
  }
  std::vector<fs::path> candidates;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) candidates.push_back(exe.parent_path().parent_path() / "share" / "lumen" / "examples");
  candidates.emplace_back(LUMEN_BUILD_EXAMPLES_DIR);
  std::string tried;
  for (const auto& dir : candidates) {
    if (fs::exists(model_in(dir), ec)) return dir;
    tried += " '" + dir.string() + "'";
  }
  throw IoError("cannot find the bundled example model shapes/model.onnx (looked in" + tried +
                "); build the examples or set LUMEN_EXAMPLES_DIR");
}

std::vector<fs::path> example_images(const fs::path& dir) {
  std::vector<fs::path> images;
  for (const auto& entry : fs::directory_iterator(dir / "shapes")) {
    if (entry.path().extension() == ".png") images.push_back(entry.path());
  }
  std::sort(images.begin(), images.end());
  if (images.empty())
    throw IoError("no example images (*.png) in '" + (dir / "shapes").string() + "'");
  return images;
}

Tensor enlarged(const Tensor& maps) { return upsample_bilinear(maps, display_size, display_size); }

int run_demo(const fs::path& out_dir, Session& session) {
  std::vector<std::string> methods;
  const auto registered = session.registry().explainer_names();
  for (const auto& m : demo_methods) {
    if (std::find(registered.begin(), registered.end(), m) != registered.end())
      methods.push_back(m);
  }
  if (methods.empty()) {
    throw NotFound(
        "none of the demo's explainers (saliency, grad-cam, lrp) is registered; "
        "`lumen plugins` shows what was loaded and what failed");
  }
  const fs::path examples = examples_dir();
  const Model model = session.load_model(model_in(examples));
  const auto context = session.make_context();
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec)
    throw IoError("cannot create the demo directory '" + out_dir.string() + "': " + ec.message());
  std::cout << "model: " << model_in(examples).string() << '\n';

  for (const auto& image : example_images(examples)) {
    const std::string stem = image.stem().string();
    const InputBatch input = load_input(image, model, {}, {});
    const Tensor background = enlarged(input.background);
    const Scores scores = predict(model, input.values, *context);
    const std::vector<Prediction> predicted = top_predictions(model, scores);
    std::cout << stem << ": predicted " << predicted[0].label << " (" << std::fixed
              << std::setprecision(4) << predicted[0].probability << std::defaultfloat << ")\n";
    const fs::path copy = out_dir / (stem + ".png");
    write_image_png(copy, background.batch_slice(0).reshaped(
                              Shape(background.shape().begin() + 1, background.shape().end())));
    std::cout << "  wrote " << copy.string() << '\n';

    const std::vector<std::int64_t> targets{predicted[0].target};
    for (const auto& method : methods) {
      const auto explainer = session.registry().explainer(method);
      const ExplainerInfo info = explainer->info();
      const Params params = Params::validate(info.params, {}, info.name);
      const Attribution a =
          run_explainer(*explainer, model, input.values, targets, params, std::nullopt, *context);
      for (const auto& file : write_heatmaps(out_dir / (stem + "_" + method + ".png"),
                                             enlarged(a.map), a.signed_map, background)) {
        std::cout << "  wrote " << file.string() << '\n';
      }
    }
  }
  return 0;
}

}  // namespace

Command add_demo_command(CLI::App& parent) {
  auto* app = parent.add_subcommand(
      "demo", "Explain the bundled example images with saliency, grad-cam and lrp");
  auto out = std::make_shared<std::string>("lumen-demo");
  app->add_option("--out", *out, "Directory for the heatmaps (created if missing)")
      ->capture_default_str();
  return {app, [out](Session& session) { return run_demo(*out, session); }};
}

}  // namespace lumen::cli
