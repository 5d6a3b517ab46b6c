// `lumen demo`: explains synthetic SAR test chips with the bundled sar-cnn and a panel of methods
// (at least one per family) and writes an HTML page of inputs, masks, predictions and heatmaps.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <lumen/dataset.hpp>
#include <lumen/error.hpp>
#include <lumen/explainer.hpp>
#include <lumen/io.hpp>
#include <lumen/output_dir.hpp>
#include <map>
#include <span>

#include "demo_report.hpp"
#include "explanation.hpp"
#include "prediction.hpp"
#include "session.hpp"

namespace lumen::cli {
namespace {

namespace fs = std::filesystem;

struct PanelEntry {
  std::string method;
  std::map<std::string, std::string> params;
};

// One method per family at least; parameters chosen so that 20 chips take well under two minutes
// on two cores (occlusion: 8x8 windows at stride 4 on 64x64 chips, scaled with the chip).
std::vector<PanelEntry> panel(std::int64_t chip_size) {
  const std::string window = std::to_string(chip_size / 8), stride = std::to_string(chip_size / 16);
  return {
      {"saliency", {}},
      {"integrated-gradients", {{"steps", "32"}}},
      {"guided-backprop", {}},
      {"grad-cam", {}},
      {"score-cam", {}},
      {"cluster-cam", {}},
      {"lrp", {{"composite", "epsilon-plus"}}},
      {"cnn-lrp", {}},
      {"occlusion", {{"window", window + "," + window}, {"stride", stride + "," + stride}}},
  };
}

// The chips come from the test split of the generator seed the bundled model was trained with
// (examples/sar/README.md), so they are never training chips.
constexpr int data_seed = 1;
// PNGs are enlarged by pixel replication to at least this size, to be seen.
constexpr std::int64_t display_size = 192;

fs::path model_in(const fs::path& dir) { return dir / "sar" / "model.onnx"; }

// LUMEN_EXAMPLES_DIR, else the installed share/lumen/examples beside the executable's bin/,
// else the build tree's examples.
fs::path examples_dir() {
  if (const char* env = std::getenv("LUMEN_EXAMPLES_DIR"); env != nullptr && *env != '\0') {
    if (!fs::exists(model_in(env))) {
      throw IoError("LUMEN_EXAMPLES_DIR='" + std::string(env) + "' has no sar/model.onnx");
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
  throw IoError("cannot find the bundled demo model sar/model.onnx (looked in" + tried +
                "); build the examples or set LUMEN_EXAMPLES_DIR");
}

// The synthetic-sar test chips that fit the model: K per class, in class order.
std::string data_spec(const Model& model, const fs::path& file, std::int64_t per_class) {
  const Shape& s = model.input_spec().sample_shape;
  const std::int64_t classes = model.graph().node(model.logits_node()).output_shape.back();
  const bool fits = s.size() == 3 && (s[0] == 1 || s[0] == 2) && s[1] == s[2] &&
                    (s[1] == 64 || s[1] == 128) && classes >= 2 && classes <= 10;
  if (!fits) {
    throw ModelError("the demo model '" + file.string() + "' takes " + to_string(s) + " with " +
                     std::to_string(classes) +
                     " classes; the demo needs a synthetic-sar model: [1 or 2, 64 or 128, same] "
                     "input and 2 to 10 classes");
  }
  return "synthetic-sar:?split=test&seed=" + std::to_string(data_seed) +
         "&n=" + std::to_string(per_class * classes) + "&classes=" + std::to_string(classes) +
         "&size=" + std::to_string(s[1]) + "&channels=" + std::to_string(s[0]);
}

// [..., H, W] -> [..., H*f, W*f], every pixel a f x f block.
Tensor enlarged(const Tensor& t) {
  const std::int64_t rank = static_cast<std::int64_t>(t.shape().size());
  const std::int64_t h = t.dim(rank - 2), w = t.dim(rank - 1);
  const std::int64_t f = std::max<std::int64_t>(1, (display_size + h - 1) / h);
  Shape shape = t.shape();
  shape[rank - 2] *= f;
  shape[rank - 1] *= f;
  Tensor out(shape);
  const std::int64_t planes = t.size() / (h * w);
  const auto in = t.values();
  auto o = out.values();
  for (std::int64_t p = 0; p < planes; ++p) {
    for (std::int64_t y = 0; y < h * f; ++y) {
      for (std::int64_t x = 0; x < w * f; ++x) {
        o[(p * h * f + y) * w * f + x] = in[(p * h + y / f) * w + x / f];
      }
    }
  }
  return out;
}

// The first channel of a [C,H,W] chip, as a grey [1,H,W] image.
Tensor first_channel(const Tensor& chip) {
  const auto plane = chip.dim(1) * chip.dim(2);
  return Tensor({1, chip.dim(1), chip.dim(2)},
                std::vector<float>(chip.values().begin(), chip.values().begin() + plane));
}

std::string settings_text(const std::map<std::string, std::string>& params) {
  std::string text;
  for (const auto& [name, value] : params) text += (text.empty() ? "" : " ") + name + "=" + value;
  return text;
}

std::string chip_id(std::size_t i, std::size_t count, const std::string& class_name) {
  const std::string n = std::to_string(i);
  const std::size_t digits = std::max<std::size_t>(2, std::to_string(count - 1).size());
  return "chip" + std::string(digits - n.size(), '0') + n + "-" + class_name;
}

// Chips per model or explainer call, so memory stays bounded whatever --per-class is.
constexpr std::int64_t chunk = 10;

Tensor chunk_of(const Tensor& batch, std::int64_t first) {
  return batch.batch_slice(first, std::min(chunk, batch.dim(0) - first));
}

struct Chips {
  std::vector<Sample> samples;  ///< in class order
  Tensor input;                 ///< [N,C,H,W], prepared for the model
};

Chips generate(const Dataset& data, const Model& model) {
  std::vector<Sample> samples;
  for (std::int64_t i = 0; i < data.size(); ++i) samples.push_back(data.get(i));
  std::stable_sort(samples.begin(), samples.end(),
                   [](const Sample& a, const Sample& b) { return a.label < b.label; });
  Shape shape = data.sample_shape();
  shape.insert(shape.begin(), static_cast<std::int64_t>(samples.size()));
  std::vector<float> values;
  for (const auto& s : samples)
    values.insert(values.end(), s.image.values().begin(), s.image.values().end());
  Tensor input = prepare_input(Tensor(shape, std::move(values)), model.input_spec());
  return {std::move(samples), std::move(input)};
}

std::vector<Prediction> predictions(const Model& model, const Tensor& input, Context& context) {
  std::vector<Prediction> all;
  for (std::int64_t first = 0; first < input.dim(0); first += chunk) {
    const auto some = top_predictions(
        model, predict(model, chunk_of(input, first), context, "the demo images", first));
    all.insert(all.end(), some.begin(), some.end());
  }
  return all;
}

// One method's display maps ([H,W], display_map) of every chip.
struct Displays {
  std::vector<Tensor> maps;
  bool signed_map = true;
};

Displays explain_chips(const Explainer& explainer, const Model& model, const Tensor& input,
                       const std::vector<std::int64_t>& targets, const Params& params,
                       Context& context) {
  Displays displays;
  for (std::int64_t first = 0; first < input.dim(0); first += chunk) {
    const Tensor some = chunk_of(input, first);
    const std::span<const std::int64_t> some_targets(targets.data() + first,
                                                     static_cast<std::size_t>(some.dim(0)));
    const Attribution a =
        explainer.explain({model, some, some_targets, params, std::nullopt}, context);
    displays.signed_map = a.signed_map;
    for (std::int64_t i = 0; i < some.dim(0); ++i) {
      const Tensor sample = a.map.batch_slice(i);
      displays.maps.push_back(display_map(
          sample.reshaped(Shape(sample.shape().begin() + 1, sample.shape().end())), a.signed_map));
    }
  }
  return displays;
}

// The folder of the page's images, as its links name it.
const std::string images_folder = "images";

// Writes `name` into the images folder; returns the page's link to it.
std::string write_image(const OutputDir& images, const std::string& name,
                        const std::string& bytes) {
  images.write_file(name, bytes);
  return images_folder + "/" + name;
}

// The rows with their input and mask PNGs written; `backgrounds` gets each chip's grey input.
std::vector<DemoRow> write_chips(const OutputDir& images, const Chips& chips,
                                 const std::vector<std::string>& class_names,
                                 const std::vector<Prediction>& predicted,
                                 std::vector<Tensor>& backgrounds) {
  std::vector<DemoRow> rows;
  for (std::size_t i = 0; i < chips.samples.size(); ++i) {
    const Sample& s = chips.samples[i];
    DemoRow row;
    row.true_class = class_names.at(static_cast<std::size_t>(s.label));
    row.id = chip_id(i, chips.samples.size(), row.true_class);
    backgrounds.push_back(enlarged(first_channel(s.image)));
    row.input = write_image(images, row.id + "_input.png", encode_png(backgrounds.back()));
    if (s.mask) row.mask = write_image(images, row.id + "_mask.png", encode_png(enlarged(*s.mask)));
    row.predicted_class = predicted[i].label;
    row.probability = predicted[i].probability;
    rows.push_back(std::move(row));
  }
  return rows;
}

// Runs one method of the panel on every chip and adds its column to the report.
void add_method(const PanelEntry& entry, const Model& model, const Chips& chips,
                const std::vector<std::int64_t>& targets, const std::vector<Tensor>& backgrounds,
                const OutputDir& images, const Session& session, Context& context,
                DemoReport& report) {
  const auto explainer = session.registry().explainer(entry.method);
  const ExplainerInfo info = explainer->info();
  DemoMethod method{info.name, to_string(info.family), settings_text(entry.params), 0.0, {}};
  const Params params = Params::validate(info.params, entry.params, info.name);
  const auto begin = std::chrono::steady_clock::now();
  Displays displays;
  try {
    displays = explain_chips(*explainer, model, chips.input, targets, params, context);
  } catch (const Error& e) {
    method.error = e.what();
  }
  method.seconds_per_chip =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count() /
      static_cast<double>(chips.samples.size());
  std::cout << std::left << std::setw(22) << info.name;
  if (method.error.empty()) {
    std::cout << std::fixed << std::setprecision(1) << method.seconds_per_chip * 1e3 << " ms/chip\n"
              << std::defaultfloat;
  } else {
    std::cout << "failed: " << method.error << '\n';
  }
  for (std::size_t i = 0; i < report.rows.size(); ++i) {
    DemoRow& row = report.rows[i];
    DemoImages& links = row.methods.emplace_back();
    if (!method.error.empty()) continue;
    const Tensor display = enlarged(displays.maps[i]);
    const std::string stem = row.id + "_" + info.name;
    links.heatmap =
        write_image(images, stem + ".png", encode_heatmap_png(display, displays.signed_map));
    links.overlay = write_image(
        images, stem + "_overlay.png",
        encode_heatmap_png(display, displays.signed_map, &backgrounds[i], heatmap_alpha));
  }
  report.methods.push_back(std::move(method));
}

int run_demo(const fs::path& out_dir, std::int64_t per_class, Session& session) {
  const auto start = std::chrono::steady_clock::now();
  const fs::path model_file = model_in(examples_dir());
  refuse_input_as_output(out_dir, {model_file});
  const Model model = session.load_model(model_file);
  const std::string spec = data_spec(model, model_file, per_class);
  std::vector<PanelEntry> methods;
  const auto registered = session.registry().explainer_names();
  for (const auto& entry : panel(model.input_spec().sample_shape[1])) {
    if (std::find(registered.begin(), registered.end(), entry.method) != registered.end())
      methods.push_back(entry);
  }
  if (methods.empty()) {
    throw NotFound(
        "none of the demo's explainers is registered; `lumen plugins` shows what was loaded and "
        "what failed");
  }
  const auto data = session.registry().open_dataset(spec);
  const Chips chips = generate(*data, model);
  const auto context = session.make_context();

  const OutputDir out = OutputDir::create(out_dir);
  const OutputDir images = out.subdirectory(images_folder);
  std::cout << "model: " << model_file.string() << "\nchips: " << spec << '\n';

  const std::vector<Prediction> predicted = predictions(model, chips.input, *context);
  std::vector<std::int64_t> targets;
  for (const auto& p : predicted) targets.push_back(p.target);
  std::vector<Tensor> backgrounds;
  DemoReport report{model_file.string(),
                    spec,
                    {},
                    write_chips(images, chips, data->class_names(), predicted, backgrounds)};
  for (const auto& entry : methods) {
    add_method(entry, model, chips, targets, backgrounds, images, session, *context, report);
  }

  out.write_file("index.html", demo_html(report));
  const fs::path index = out / "index.html";
  std::cout << "took " << std::fixed << std::setprecision(1)
            << std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()
            << " s\nopen " << fs::absolute(index).string() << '\n';
  return 0;
}

}  // namespace

Command add_demo_command(CLI::App& parent) {
  auto* app = parent.add_subcommand(
      "demo",
      "Explain synthetic SAR test chips with the bundled sar-cnn and a panel of methods; writes "
      "DIR/index.html");
  auto out = std::make_shared<std::string>("lumen-demo");
  auto per_class = std::make_shared<std::int64_t>(2);
  app->add_option("--out", *out, "Directory for index.html and its images (created if missing)")
      ->capture_default_str();
  app->add_option("--per-class", *per_class, "Test chips per class")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  return {app, [out, per_class](Session& session) { return run_demo(*out, *per_class, session); }};
}

}  // namespace lumen::cli
