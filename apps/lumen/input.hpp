#pragma once
#include <cstdint>
#include <filesystem>
#include <lumen/importer.hpp>
#include <lumen/io.hpp>
#include <lumen/model.hpp>
#include <lumen/tensor.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace lumen::cli {

class Session;

/// An input batch as the model takes it, and what heatmaps are drawn over.
struct InputBatch {
  Tensor values;      ///< [N,C,H,W], preprocessed for the model
  Tensor background;  ///< [N,C',H,W] in [0,1], C' = 1 or 3
};

/// How an image --input becomes model input: --mean, --std, --preprocess, --max-image-pixels.
struct ImageOptions {
  std::string mean, std;  ///< as given: "0.485,0.456,0.406", or empty
  /// "stretch", "imagenet", or empty when not given (see effective_preprocess)
  std::string preprocess;
  std::int64_t max_pixels = default_max_image_pixels;
};

/// How an image becomes input for `model`: --preprocess when given, else the model's
/// lumen.preprocess, else "stretch".
std::string effective_preprocess(const ImageOptions& options, const Model& model);

/// Declares --mean, --std, --preprocess and --max-image-pixels into `options`, each excluding
/// `excluded` when given.
void add_image_options(CLI::App& app, ImageOptions& options, CLI::Option* excluded = nullptr);

/// An --input as read from its file, before the model is known.
struct RawInput {
  std::filesystem::path file;
  Tensor values;       ///< the .npy array as stored, or the image from read_image ([1,C,H,W])
  bool image = false;  ///< a PNG/JPEG image (else an .npy array)
};

/// Reads --input: an .npy array or a PNG/JPEG image (read_image with at most
/// `options.max_pixels`). Throws naming the file for another extension or an image read_image
/// refuses, and UsageError for image options given with an .npy input.
RawInput read_input(const std::filesystem::path& file, const ImageOptions& options);

/// The input as the model takes it. An .npy array ([N,C,H,W] or [C,H,W]) is used as is; its
/// background is the array itself, grey and min-max scaled. An image goes through prepare_input,
/// or prepare_imagenet_input for imagenet preprocessing (effective_preprocess), with the model's
/// input spec and the --mean/--std overrides (ImageNet's mean/std only where neither these nor
/// the model give one); its background is the image as the model sees it before
/// normalisation. Warns when nothing normalises an image. Throws naming the file for a wrong
/// shape or non-finite values.
InputBatch load_input(const RawInput& input, const Model& model, const ImageOptions& options);

/// Declares --input-shape C,H,W (or H,W) into `text`.
CLI::Option* add_input_shape_option(CLI::App& app, std::string& text);

/// What loading the model asks for: --input-shape `text` when given; else, with an input, the
/// size it has (an array's C,H,W, an image's H,W, 224,224 for --preprocess imagenet) for the
/// dims the model leaves open. Throws UsageError for a malformed --input-shape.
ImportOptions import_options(const std::string& text, const RawInput* input = nullptr,
                             const ImageOptions& options = {});

/// The model `file` built for `input` as import_options says, and built again for 224x224 when
/// the image's own size filled its open H and W but its metadata asks for imagenet
/// preprocessing (not overridden by --preprocess).
Model load_model_for_input(const Session& session, const std::filesystem::path& file,
                           const std::string& input_shape, const RawInput* input,
                           const ImageOptions& options);

/// Declares --max-image-pixels on a command whose --input may be an image, stored in
/// `max_pixels` (which holds the default, lumen::default_max_image_pixels).
CLI::Option* add_max_image_pixels_option(CLI::App& app, std::int64_t& max_pixels);

/// --layer: nothing when `text` is empty, else the node it names (lumen::resolve_layer: a node or
/// tensor name, or a PyTorch module path such as "layer4"). Warns on stderr when the layer's maps
/// are 1x1, where a layer-space map is one value per sample.
std::optional<NodeId> chosen_layer(const Model& model, const std::string& text);

/// "0.5,0.25,1" -> {0.5, 0.25, 1}, "" -> {}; throws UsageError naming `flag` on anything else.
std::vector<float> parse_floats(const std::string& text, std::string_view flag);

}  // namespace lumen::cli
