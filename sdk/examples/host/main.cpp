// lumen-host-example MODEL IMAGE OUT.png: classifies IMAGE with MODEL, explains the predicted
// class with grad-cam, writes the heatmap over the image and scores the map with deletion. A C++
// application embedding lumen needs nothing more than this.
#include <cstdint>
#include <exception>
#include <filesystem>
#include <iostream>
#include <lumen/error.hpp>
#include <lumen/explainer.hpp>
#include <lumen/importer.hpp>
#include <lumen/io.hpp>
#include <lumen/metric.hpp>
#include <lumen/model.hpp>
#include <lumen/plugin_loader.hpp>
#include <lumen/registry.hpp>
#include <lumen/trace.hpp>
#include <optional>
#include <vector>

namespace {

// The class with the highest probability, and that probability.
std::pair<std::int64_t, float> top_class(const lumen::Tensor& probabilities) {
  std::int64_t best = 0;
  for (std::int64_t c = 1; c < probabilities.dim(1); ++c) {
    if (probabilities[c] > probabilities[best]) best = c;
  }
  return {best, probabilities[best]};
}

int run(const std::filesystem::path& model_file, const std::filesystem::path& image_file,
        const std::filesystem::path& out_file) {
  // Load every plugin once, at start-up, before any parallel work.
  lumen::Registry registry;
  for (const auto& failure : lumen::load_plugins(registry)) {
    std::cerr << "warning: plugin not loaded: " << failure.reason << '\n';
  }

  const lumen::Model model = registry.importer_for(model_file)->load(model_file);
  const lumen::Tensor image = lumen::read_image(image_file);  // [1,C,H,W] in [0,1]
  const lumen::Tensor input = lumen::prepare_input(image, model.input_spec());

  // The context: backend, threads (0 = all) and seed. One per concurrent explanation.
  lumen::Context context(registry.backend_chain(), 0, 0);
  const lumen::Tensor probabilities =
      lumen::softmax_rows(lumen::predict_logits(model, input, context));
  const auto [target, probability] = top_class(probabilities);
  std::cout << "predicted " << model.label(target) << " (" << probability << ")\n";

  const auto explainer = registry.explainer("grad-cam");
  const lumen::ExplainerInfo info = explainer->info();
  const lumen::Params params = lumen::Params::validate(info.params, {{"relu", "true"}}, info.name);
  const std::vector<std::int64_t> targets{target};
  const lumen::ExplainRequest request{model, input, targets, params, std::nullopt};
  // Checks the request (targets, input, layer, what the method needs from the model), then runs
  // the method inside the context's arena, so its parallel loops use the context's threads.
  const lumen::Attribution attribution = explainer->explain(request, context);
  std::cout << info.name << ": " << attribution.passes.forward << " forward and "
            << attribution.passes.backward << " backward passes, " << attribution.seconds << " s\n";

  // Sample 0 of the map ([1,1,H,W] -> [1,H,W]) scaled for display, over the image ([C,H,W]).
  const lumen::Shape& map_shape = attribution.map.shape();
  const lumen::Tensor display = lumen::display_map(
      attribution.map.reshaped({map_shape[1], map_shape[2], map_shape[3]}), attribution.signed_map);
  const lumen::Tensor background = image.reshaped({image.dim(1), image.dim(2), image.dim(3)});
  lumen::write_heatmap_png(out_file, display, attribution.signed_map, &background);
  std::cout << "wrote " << out_file.string() << '\n';

  // Scores the explanation: deletion removes the most relevant pixels first and measures the area
  // under the target's probability (lower is better). evaluate checks the case, then runs the
  // metric in the context's arena.
  const auto metric = registry.metric("deletion");
  const lumen::Params metric_params =
      lumen::Params::validate(metric->info().params, {{"steps", "16"}}, "deletion");
  const lumen::BatchCase scored{.input = input,
                                .targets = targets,
                                .attribution = attribution.map,
                                .params = metric_params,
                                .model = &model};
  std::cout << "deletion: " << metric->evaluate(scored, context).aggregate << '\n';
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: lumen-host-example MODEL IMAGE OUT.png\n";
    return 2;
  }
  try {
    return run(argv[1], argv[2], argv[3]);
  } catch (const lumen::Error& e) {  // every lumen error names the file, node or value at fault
    std::cerr << "error: " << e.what() << '\n';
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "internal error: " << e.what() << '\n';
    return 1;
  }
}
