#pragma once
/// Files in and out of lumen: .npy arrays, PNG/JPEG images, and heatmaps (the display of an
/// attribution). Every function is thread-safe; failures throw IoError (or InvalidArgument /
/// ShapeError for bad tensors) with a message naming the file and the problem. Every write goes
/// through lumen::write_file (output_dir.hpp): to a new temporary file in the target's directory
/// which is then renamed over the target, so a failed or interrupted write never leaves a
/// half-written file behind, and a symbolic link at the target is refused, never followed. The
/// encode_* functions give the bytes the write_* ones write, for OutputDir::write_file.
#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "lumen/export.hpp"
#include "lumen/model.hpp"
#include "lumen/tensor.hpp"

namespace lumen {

/// Reads a NumPy .npy file (format versions 1, 2 and 3): little-endian float32 ('<f4') or
/// float64 ('<f8', converted to float32), C order only. The tensor has the shape from the header.
LUMEN_API Tensor read_npy(const std::filesystem::path& path);
/// Writes `tensor` as a version-1 .npy file of little-endian float32 in C order.
LUMEN_API void write_npy(const std::filesystem::path& path, const Tensor& tensor);
/// The bytes write_npy writes.
LUMEN_API std::string encode_npy(const Tensor& tensor);

/// The default of ImageReadOptions::max_pixels: 2^26 = 67,108,864 pixels, e.g. 8192 x 8192, or
/// the largest photos of 35 mm cameras (9504 x 6336). Decoding that many takes about 1 GiB.
inline constexpr std::int64_t default_max_image_pixels = std::int64_t{1} << 26;

/// What read_image accepts.
struct ImageReadOptions {
  /// The largest width x height read_image decodes; must be positive.
  std::int64_t max_pixels = default_max_image_pixels;
  /// How the caller's users raise max_pixels (e.g. "--max-image-pixels"): named in the refusal.
  std::string max_pixels_setting = "ImageReadOptions::max_pixels";
};

/// Reads a PNG or JPEG image as [1,C,H,W] floats in [0,1] (8-bit value / 255, no gamma change).
/// Grey and grey+alpha images give C = 1, RGB and RGBA give C = 3; alpha is dropped.
/// The format is told by the file's first bytes, whatever its name; any other format is refused
/// (naming it when recognised). Before anything is decoded, a width x height declared in the
/// header above options.max_pixels is refused, and so is a PNG whose compressed data inflates to
/// more than that size needs; memory then stays within the file's size plus about 16 bytes per
/// declared pixel. Throws IoError naming the file and the reason (the decoder's, when decoding
/// fails); InvalidArgument for max_pixels < 1.
LUMEN_API Tensor read_image(const std::filesystem::path& path,
                            const ImageReadOptions& options = {});
/// Writes a [C,H,W] image with C = 1 or 3 and values in [0,1] (clamped) as an 8-bit PNG.
LUMEN_API void write_image_png(const std::filesystem::path& path, const Tensor& image);
/// The bytes write_image_png writes.
LUMEN_API std::string encode_png(const Tensor& image);

/// Turns an image from read_image ([N,C,H,W] in [0,1]) into model input for `spec`: resizes it
/// to the spec's H,W with upsample_bilinear, converts channels (1 -> C by replicating the grey
/// plane; 3 -> 1 by the plain mean of the three channels; other changes are refused), then applies
/// (x - mean[c]) / std[c]. `mean_override` / `std_override`, when not empty, replace the spec's
/// values; mean and std are applied only when both are known. Each must have C values and std
/// must be positive. Throws InvalidArgument / ShapeError naming the mismatch.
LUMEN_API Tensor prepare_input(const Tensor& image, const InputSpec& spec,
                               const std::vector<float>& mean_override = {},
                               const std::vector<float>& std_override = {});

/// ImageNet's per-channel mean and std (RGB), as torchvision's models are trained with.
inline const std::vector<float> imagenet_mean{0.485F, 0.456F, 0.406F};
inline const std::vector<float> imagenet_std{0.229F, 0.224F, 0.225F};

/// torchvision's Resize(R) + CenterCrop(S) on a PIL image, for a model taking S x S inputs,
/// R = round(S / 0.875) (256 for 224, 342 for 299): the shorter side of `image` ([N,C,H,W] in
/// [0,1], read as 8-bit levels) is resized to R with Pillow's antialiased bilinear filter in its
/// 8-bit fixed-point arithmetic and the centre S x S is cropped; the result stays in [0,1] with
/// the image's channels. Throws InvalidArgument for a model input that is not square.
LUMEN_API Tensor imagenet_resize_crop(const Tensor& image, const InputSpec& spec);

/// The whole ImageNet evaluation transform (ToTensor and Normalize after the above):
/// imagenet_resize_crop, then prepare_input converts the channels and normalises, with
/// imagenet_mean and imagenet_std for 3-channel models unless overridden.
LUMEN_API Tensor prepare_imagenet_input(const Tensor& image, const InputSpec& spec,
                                        const std::vector<float>& mean_override = {},
                                        const std::vector<float>& std_override = {});

/// How display_map combines the channels of an attribution.
enum class ChannelReduction {
  automatic,  ///< the maximum for unsigned maps, the sum for signed ones
  max,
  sum,
};

/// The display normalisation of one sample's attribution ([C,H,W], e.g. [1,H,W] for layer-space
/// maps) as an [H,W] map: channels combined by `reduction`, then, unsigned, min-max scaled to
/// [0,1] (a constant map gives all 0), or, signed, divided by the largest absolute value, in
/// [-1,1] with signs kept (an all-zero map gives all 0). Throws InvalidArgument on non-finite
/// values.
LUMEN_API Tensor display_map(const Tensor& attribution_sample, bool signed_map,
                             ChannelReduction reduction = ChannelReduction::automatic);

using Rgb = std::array<float, 3>;
/// The sequential colour map for values in [0,1] (clamped): from near-black through violet, red
/// and orange to pale yellow, with luminance strictly increasing.
LUMEN_API Rgb sequential_colour(float value);
/// The diverging colour map for values in [-1,1] (clamped): blue for negative, white at 0, red
/// for positive, darker with growing magnitude.
LUMEN_API Rgb diverging_colour(float value);

/// Writes a display map ([H,W], from display_map) as an RGB PNG heatmap coloured with the
/// sequential (unsigned) or diverging (signed) map. With a `background` ([C,H',W'] in [0,1],
/// C = 1 or 3; resized bilinearly to H,W when it differs) the colours are blended over its grey
/// version: alpha * colour + (1 - alpha) * grey. `alpha` must be in [0,1].
LUMEN_API void write_heatmap_png(const std::filesystem::path& path, const Tensor& display,
                                 bool signed_map, const Tensor* background = nullptr,
                                 float alpha = 0.5F);
/// The bytes write_heatmap_png writes.
LUMEN_API std::string encode_heatmap_png(const Tensor& display, bool signed_map,
                                         const Tensor* background = nullptr, float alpha = 0.5F);

/// Writes `text` to `path` (replacing it) as lumen::write_file does.
LUMEN_API void write_text_file(const std::filesystem::path& path, std::string_view text);

}  // namespace lumen
