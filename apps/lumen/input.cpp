#include "input.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <iostream>
#include <lumen/detail/map_math.hpp>
#include <lumen/error.hpp>
#include <lumen/io.hpp>
#include <lumen/layer_names.hpp>
#include <lumen/resample.hpp>

#include "session.hpp"

namespace lumen::cli {
namespace {

std::string lower_extension(const std::filesystem::path& file) {
  std::string ext = file.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext;
}

// Per sample: the mean over channels, min-max scaled to [0,1] (constant -> 0.5 grey).
Tensor grey_background(const Tensor& values) {
  const std::int64_t n = values.dim(0), c = values.dim(1), plane = values.dim(2) * values.dim(3);
  Tensor grey({n, 1, values.dim(2), values.dim(3)});
  for (std::int64_t s = 0; s < n; ++s) {
    const auto g = grey.values().subspan(s * plane, plane);
    detail::mean_of_maps(values.values().subspan(s * c * plane, c * plane), g);
    detail::scale_to_unit(g, 0.5F);
  }
  return grey;
}

InputBatch load_npy_input(const std::filesystem::path& file, Tensor values, const Model& model) {
  if (values.rank() == 3)
    values = values.reshaped({1, values.dim(0), values.dim(1), values.dim(2)});
  const Shape expected = model.batch_shape(1);
  if (values.rank() != 4 || values.dim(0) < 1 ||
      !std::equal(expected.begin() + 1, expected.end(), values.shape().begin() + 1)) {
    throw InvalidArgument("input '" + file.string() + "' has shape " + to_string(values.shape()) +
                          " but the model takes [N," + std::to_string(expected[1]) + "," +
                          std::to_string(expected[2]) + "," + std::to_string(expected[3]) +
                          "] or [C,H,W] arrays");
  }
  const auto bad = std::find_if(values.values().begin(), values.values().end(),
                                [](float v) { return !std::isfinite(v); });
  if (bad != values.values().end()) {
    throw InvalidArgument("input '" + file.string() + "' contains a non-finite value (" +
                          std::to_string(*bad) + ") at flat index " +
                          std::to_string(bad - values.values().begin()));
  }
  Tensor background = grey_background(values);
  return {std::move(values), std::move(background)};
}

// torchvision's CenterCrop(224) after Resize(256): what --preprocess imagenet gives a model whose
// H and W are open.
constexpr std::int64_t imagenet_crop = 224;

}  // namespace

RawInput read_input(const std::filesystem::path& file, const ImageOptions& options) {
  const std::string ext = lower_extension(file);
  if (ext == ".npy") {
    if (!options.mean.empty() || !options.std.empty() || options.preprocess == "imagenet") {
      throw UsageError("--mean/--std and --preprocess apply to image inputs; the .npy input '" +
                       file.string() + "' is used as is");
    }
    return {file, read_npy(file), false};
  }
  if (ext != ".png" && ext != ".jpg" && ext != ".jpeg") {
    throw InvalidArgument("input '" + file.string() +
                          "' is neither .npy nor an image (.png, .jpg, .jpeg)");
  }
  return {file, read_image(file, {options.max_pixels, "--max-image-pixels"}), true};
}

InputBatch load_input(const RawInput& input, const Model& model, const ImageOptions& options) {
  const std::filesystem::path& file = input.file;
  if (!input.image) return load_npy_input(file, input.values, model);
  const std::vector<float> mean = parse_floats(options.mean, "--mean");
  const std::vector<float> std = parse_floats(options.std, "--std");
  const bool imagenet = effective_preprocess(options, model) == "imagenet";
  const Tensor& image = input.values;
  const InputSpec& spec = model.input_spec();
  const bool model_normalises = !spec.mean.empty() && !spec.std.empty();
  // A model's own lumen.mean/lumen.std win over the ImageNet preset's.
  const bool preset_normalises = imagenet && spec.sample_shape.at(0) == 3 && !model_normalises;
  if (mean.empty() && std.empty() && !preset_normalises && !model_normalises) {
    // Silently feeding [0, 1] pixels to a model trained on normalised ones gives plausible but
    // wrong scores and maps (ResNet-50: top-1 probability 0.48 instead of 0.91).
    std::cerr << "lumen: warning: the image '" << file.string()
              << "' goes to the model in [0, 1] as read: the model's metadata has no normalisation "
                 "(lumen.mean, lumen.std) and --mean/--std were not given; a model trained on "
                 "normalised images (ImageNet models are) then scores it wrongly\n";
  }
  const Shape& sample = spec.sample_shape;
  // What the model sees before normalisation, also drawn behind the heatmaps.
  Tensor shown = imagenet ? imagenet_resize_crop(image, spec)
                          : upsample_bilinear(image, sample.at(1), sample.at(2));
  // The ImageNet preset's normalisation, where --mean/--std do not give one (as
  // prepare_imagenet_input does; the crop is made once, here).
  const auto& used_mean = preset_normalises && mean.empty() ? imagenet_mean : mean;
  const auto& used_std = preset_normalises && std.empty() ? imagenet_std : std;
  Tensor values = prepare_input(imagenet ? shown : image, spec, used_mean, used_std);
  return {std::move(values), std::move(shown)};
}

std::string effective_preprocess(const ImageOptions& options, const Model& model) {
  if (!options.preprocess.empty()) return options.preprocess;
  if (!model.input_spec().preprocess.empty()) return model.input_spec().preprocess;
  return "stretch";
}

CLI::Option* add_input_shape_option(CLI::App& app, std::string& text) {
  return app.add_option(
      "--input-shape", text,
      "C,H,W or H,W: the input size to build the model for, when its ONNX input leaves them "
      "dynamic (default: the --input's size; 224,224 for an image with imagenet preprocessing)");
}

ImportOptions import_options(const std::string& text, const RawInput* input,
                             const ImageOptions& options) {
  ImportOptions result;
  if (!text.empty()) {
    std::size_t start = 0;
    while (start <= text.size()) {
      const auto end = std::min(text.find(',', start), text.size());
      std::int64_t v = 0;
      const auto [ptr, ec] = std::from_chars(text.data() + start, text.data() + end, v);
      if (start == end || ec != std::errc() || ptr != text.data() + end || v < 1) {
        throw UsageError("--input-shape '" + text + "': give C,H,W or H,W as positive integers");
      }
      result.input_shape.push_back(v);
      start = end + 1;
    }
    if (result.input_shape.size() != 2 && result.input_shape.size() != 3) {
      throw UsageError("--input-shape '" + text + "': give C,H,W or H,W as positive integers");
    }
    return result;
  }
  if (input == nullptr) return result;
  const Shape& s = input->values.shape();
  if (input->image && options.preprocess == "imagenet") {
    result.fallback_shape = {imagenet_crop, imagenet_crop};
  } else if (input->image) {
    result.fallback_shape = {s[2], s[3]};
  } else if (s.size() == 3 || s.size() == 4) {
    result.fallback_shape.assign(s.end() - 3, s.end());
  }
  return result;
}

Model load_model_for_input(const Session& session, const std::filesystem::path& file,
                           const std::string& input_shape, const RawInput* input,
                           const ImageOptions& options) {
  const ImportOptions import = import_options(input_shape, input, options);
  Model model = session.load_model(file, import);
  const Shape& sample = model.input_spec().sample_shape;
  if (import.fallback_shape.size() != 2 || input == nullptr || !input->image ||
      sample.size() != 3 || effective_preprocess(options, model) != "imagenet" ||
      (sample.at(1) == imagenet_crop && sample.at(2) == imagenet_crop) ||
      sample.at(1) != import.fallback_shape[0] || sample.at(2) != import.fallback_shape[1]) {
    return model;
  }
  // Only the model says imagenet, which the first import could not know, and it was built for
  // the image's size (its H and W are dynamic, or happen to equal it): build it for the crop.
  ImageOptions imagenet = options;
  imagenet.preprocess = "imagenet";
  return session.load_model(file, import_options(input_shape, input, imagenet));
}

std::optional<NodeId> chosen_layer(const Model& model, const std::string& text) {
  if (text.empty()) return std::nullopt;
  const NodeId id = resolve_layer(model.graph(), text);
  const Node& node = model.graph().node(id);
  const Shape& s = node.output_shape;
  if (s.size() == 4 && s[2] * s[3] == 1) {
    std::cerr << "lumen: warning: --layer " << text << " is node '" << node.name
              << "', whose maps are 1x1: a class activation map there is one value per sample, "
                 "upsampled to a constant image\n";
  }
  return id;
}

void add_image_options(CLI::App& app, ImageOptions& options, CLI::Option* excluded) {
  std::vector<CLI::Option*> added{
      app.add_option("--mean", options.mean,
                     "Per-channel mean for image inputs, e.g. 0.485,0.456,0.406"),
      app.add_option("--std", options.std,
                     "Per-channel std for image inputs, e.g. 0.229,0.224,0.225"),
      app.add_option("--preprocess", options.preprocess,
                     "How an image becomes model input: stretch (resize to the model's H x W) or "
                     "imagenet (torchvision's Resize(256) + CenterCrop(224) with Pillow's "
                     "antialiasing, ImageNet mean/std unless --mean/--std or the model's "
                     "lumen.mean/lumen.std give them) (default: the model's lumen.preprocess, else "
                     "stretch)")
          ->check(CLI::IsMember({"stretch", "imagenet"})),
      add_max_image_pixels_option(app, options.max_pixels)};
  if (excluded != nullptr) {
    for (CLI::Option* option : added) option->excludes(excluded);
  }
}

CLI::Option* add_max_image_pixels_option(CLI::App& app, std::int64_t& max_pixels) {
  return app
      .add_option("--max-image-pixels", max_pixels,
                  "Largest width x height of an --input image; a larger one is refused before "
                  "it is decoded")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
}

std::vector<float> parse_floats(const std::string& text, std::string_view flag) {
  std::vector<float> values;
  if (text.empty()) return values;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto end = std::min(text.find(',', start), text.size());
    const std::string item = text.substr(start, end - start);
    float v = 0.0F;
    const auto [ptr, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
    if (item.empty() || ec != std::errc() || ptr != item.data() + item.size() ||
        !std::isfinite(v)) {
      throw UsageError(std::string(flag) + ": '" + text +
                       "' is not a comma-separated list of numbers (e.g. 0.485,0.456,0.406)");
    }
    values.push_back(v);
    start = end + 1;
  }
  return values;
}

}  // namespace lumen::cli
