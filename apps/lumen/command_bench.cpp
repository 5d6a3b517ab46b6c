// `lumen bench`: time per image and passes per image of explanation methods on one model, the
// figures of the Cluster-CAM paper's Table 2. Medians over images, each explained alone.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <iomanip>
#include <iostream>
#include <lumen/backend.hpp>
#include <lumen/error.hpp>
#include <lumen/explainer.hpp>
#include <lumen/io.hpp>
#include <lumen/model.hpp>
#include <lumen/output_dir.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "explanation.hpp"
#include "input.hpp"
#include "prediction.hpp"
#include "session.hpp"

namespace lumen::cli {
namespace {

struct BenchOptions {
  std::string model, input, methods, layer, relative_to, json;
  std::string input_shape;
  std::vector<std::string> params;
  std::int64_t images = 3;
  std::int64_t warmup = 1;
  ImageOptions image;
};

struct MethodResult {
  std::string method;
  std::vector<double> seconds;  ///< one per timed image
  PassCounts passes;            ///< summed over the timed images
};

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    if (item.empty()) throw UsageError("--methods: empty name in '" + text + "'");
    items.push_back(item);
  }
  return items;
}

// --param METHOD.KEY=VALUE, grouped by method; every method named must be benchmarked.
std::map<std::string, std::map<std::string, std::string>> method_params(
    const std::vector<std::string>& assignments, const std::vector<std::string>& methods) {
  std::map<std::string, std::map<std::string, std::string>> out;
  for (const auto& text : assignments) {
    const auto eq = text.find('=');
    const auto dot = text.find('.');
    if (eq == std::string::npos || dot == std::string::npos || dot > eq) {
      throw UsageError("--param '" + text + "': expected METHOD.NAME=VALUE");
    }
    const std::string method = text.substr(0, dot);
    if (std::find(methods.begin(), methods.end(), method) == methods.end()) {
      throw UsageError("--param '" + text + "': method '" + method + "' is not in --methods");
    }
    out[method][text.substr(dot + 1, eq - dot - 1)] = text.substr(eq + 1);
  }
  return out;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const auto n = v.size();
  return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// The images to explain: --input's batch (`raw`), else `count` seeded random images of the model's
// input shape (uniform in [0,1), the range of a normalised image).
Tensor bench_inputs(const BenchOptions& o, const std::optional<RawInput>& raw, const Model& model,
                    std::uint64_t seed) {
  if (raw) return load_input(*raw, model, o.image).values;
  Tensor x(model.batch_shape(o.images));
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(0.0F, 1.0F);
  for (float& v : x.values()) v = u(rng);
  return x;
}

int run_bench(const BenchOptions& o, Session& session) {
  refuse_input_as_output(o.json, {o.model, o.input});
  const std::vector<std::string> methods = split_list(o.methods);
  const auto params = method_params(o.params, methods);
  if (!o.relative_to.empty() &&
      std::find(methods.begin(), methods.end(), o.relative_to) == methods.end()) {
    throw UsageError("--relative-to '" + o.relative_to + "' is not in --methods");
  }
  std::vector<std::pair<std::shared_ptr<const Explainer>, Params>> explainers;
  for (const auto& m : methods) {
    auto e = session.registry().explainer(m);
    const auto given = params.count(m) != 0U ? params.at(m) : std::map<std::string, std::string>{};
    explainers.emplace_back(e, Params::validate(e->info().params, given, m));
  }
  std::optional<RawInput> raw;
  if (!o.input.empty()) raw = read_input(o.input, o.image);
  const Model model =
      load_model_for_input(session, o.model, o.input_shape, raw ? &*raw : nullptr, o.image);
  const std::optional<NodeId> layer = chosen_layer(model, o.layer);
  const Tensor inputs = bench_inputs(o, raw, model, session.options().seed);
  const std::int64_t n = inputs.dim(0);
  const auto context = session.make_context();
  const std::vector<Prediction> predictions =
      top_predictions(model, predict(model, inputs, *context, "the bench inputs"));

  std::cout << "lumen bench: " << o.model << ", " << n << " image(s) " << to_string(inputs.shape())
            << ", " << context->threads() << " thread(s), backend "
            << context->backend().info().name << ", warm-up " << o.warmup << " run(s) per method\n";
  std::vector<MethodResult> results;
  for (std::size_t m = 0; m < methods.size(); ++m) {
    const auto& [explainer, p] = explainers[m];
    const bool uses_layer = explainer->info().layer_use != LayerUse::none;
    const std::optional<NodeId> method_layer = uses_layer ? layer : std::nullopt;
    MethodResult r{methods[m], {}, {}};
    for (std::int64_t i = -o.warmup; i < n; ++i) {
      const std::int64_t image = i < 0 ? 0 : i;
      const std::vector<std::int64_t> target{predictions[static_cast<std::size_t>(image)].target};
      const auto one_context = session.make_context();
      const Tensor input = inputs.batch_slice(image);
      const Attribution a =
          explainer->explain({model, input, target, p, method_layer}, *one_context);
      if (i < 0) continue;
      r.seconds.push_back(a.seconds);
      r.passes.forward += a.passes.forward;
      r.passes.backward += a.passes.backward;
    }
    std::cout << "  " << std::left << std::setw(24) << methods[m] << std::right << std::fixed
              << std::setprecision(4) << median(r.seconds) << " s/image (median)  "
              << std::setprecision(1) << static_cast<double>(r.passes.forward) / n << " forward, "
              << static_cast<double>(r.passes.backward) / n << " backward passes/image"
              << std::defaultfloat << '\n';
    results.push_back(std::move(r));
  }

  nlohmann::json doc{{"model", o.model},
                     {"images", n},
                     {"input_shape", inputs.shape()},
                     {"threads", context->threads()},
                     {"backend", context->backend().info().name},
                     {"warmup", o.warmup},
                     {"methods", nlohmann::json::array()}};
  const MethodResult* reference = nullptr;
  for (const auto& r : results)
    if (r.method == o.relative_to) reference = &r;
  if (reference != nullptr) std::cout << "ratios of medians to " << o.relative_to << ":\n";
  for (std::size_t m = 0; m < results.size(); ++m) {
    const auto& r = results[m];
    nlohmann::json entry{{"method", r.method},
                         {"params", explainers[m].second.values()},
                         {"seconds", r.seconds},
                         {"median_seconds", median(r.seconds)},
                         {"forward_per_image", static_cast<double>(r.passes.forward) / n},
                         {"backward_per_image", static_cast<double>(r.passes.backward) / n}};
    if (reference != nullptr) {
      const double ratio = median(r.seconds) / median(reference->seconds);
      entry["ratio_to_reference"] = ratio;
      std::cout << "  " << std::left << std::setw(24) << r.method << std::right << std::fixed
                << std::setprecision(2) << ratio << std::defaultfloat << '\n';
    }
    doc["methods"].push_back(std::move(entry));
  }
  if (reference != nullptr) doc["relative_to"] = o.relative_to;
  if (!o.json.empty()) {
    write_file(o.json, doc.dump(2) + "\n");
    std::cout << "wrote " << o.json << '\n';
  }
  return 0;
}

}  // namespace

Command add_bench_command(CLI::App& parent) {
  auto* app = parent.add_subcommand(
      "bench", "Time explanation methods: median seconds and passes per image on one model");
  auto o = std::make_shared<BenchOptions>();
  app->add_option("--model", o->model, "Model file (e.g. .onnx)")->required();
  add_input_shape_option(*app, o->input_shape);
  app->add_option("--methods", o->methods, "Explainers to time, comma-separated")->required();
  app->add_option("--input", o->input,
                  "Images: .npy batch or PNG/JPEG (default: --images seeded random inputs)");
  add_image_options(*app, o->image);
  app->add_option("--images", o->images, "Random images to explain when --input is not given")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  app->add_option("--warmup", o->warmup, "Untimed runs per method before timing")
      ->check(CLI::Range(0, 100))
      ->capture_default_str();
  app->add_option("--param", o->params, "Parameter of one method: METHOD.NAME=VALUE (repeatable)")
      ->allow_extra_args(false);
  app->add_option("--layer", o->layer, "Layer for the methods that work at one");
  app->add_option("--relative-to", o->relative_to,
                  "Also print each method's median time divided by this method's");
  app->add_option("--json", o->json, "Write every timing to this JSON file");
  return {app, [o](Session& session) { return run_bench(*o, session); }};
}

}  // namespace lumen::cli
