#pragma once
/// Resizing the spatial planes of [N, C, H, W] tensors: ONNX Resize and Upsample, PyTorch's
/// F.interpolate in nearest and bilinear modes (Note [resize as a linear layer] in
/// core/src/layers/resize.cpp).
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "lumen/export.hpp"
#include "lumen/layer.hpp"

namespace lumen {

/// How an output position maps to an input coordinate (ONNX coordinate_transformation_mode), with
/// scale = output size / input size along the axis.
enum class ResizeCoordinates {
  half_pixel,            ///< (o + 0.5) / scale - 0.5
  pytorch_half_pixel,    ///< as half_pixel, but 0 when the output has one position
  align_corners,         ///< o * (in - 1) / (out - 1), 0 when the output has one position
  asymmetric,            ///< o / scale
  tf_half_pixel_for_nn,  ///< (o + 0.5) / scale
};

/// How the nearest mode turns an input coordinate into a position (ONNX nearest_mode).
enum class NearestRounding {
  round_prefer_floor,
  round_prefer_ceil,
  floor,
  ceil,
  /// Upsample and Resize before opset 11 as ONNX Runtime reads them: the integer part when the
  /// axis is enlarged, ceil when it is shrunk.
  legacy,
};

enum class ResizeMode { nearest, linear };

/// A resize of the H and W axes.
struct ResizeParams {
  ResizeMode mode = ResizeMode::nearest;
  ResizeCoordinates coordinates = ResizeCoordinates::half_pixel;
  NearestRounding rounding = NearestRounding::round_prefer_floor;  ///< nearest mode only
  /// H and W scales, > 0: the output has floor(input * scale) positions (in float, as ONNX
  /// Runtime) and the coordinates use the scale as given (ONNX Resize with scales, PyTorch with
  /// scale_factor). Unused with sizes.
  std::array<double, 2> scales{1.0, 1.0};
  /// Output H and W, > 0; the scale is then output / input (ONNX Resize with sizes).
  std::optional<std::array<std::int64_t, 2>> sizes;
};

/// The resize of the spatial axes of [N, C, H, W] inputs; op_type names the ONNX op ("Resize",
/// "Upsample"). Each output value is a weighted sum of one (nearest) or up to four (linear) input
/// values with non-negative weights, so it is a LinearLayer without bias: the LRP rules apply to
/// its implicit weights. Throws InvalidArgument for an empty op_type, a scale or size that is not
/// positive (or a scale that is not finite); output_shape throws ShapeError for an input that is
/// not 4-D or an output with no position. Immutable and thread-safe.
LUMEN_API std::shared_ptr<const Layer> make_resize(std::string op_type, ResizeParams params);

}  // namespace lumen
