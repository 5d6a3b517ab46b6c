#pragma once
/// The transposed 2-D convolution (ONNX ConvTranspose, PyTorch ConvTranspose2d).
#include <array>
#include <cstdint>
#include <memory>
#include <optional>

#include "lumen/export.hpp"
#include "lumen/layer.hpp"
#include "lumen/tensor.hpp"

namespace lumen {

struct ConvTranspose2dParams {
  Tensor weight;               ///< [C_in, C_out/groups, KH, KW]
  std::optional<Tensor> bias;  ///< [C_out]
  std::array<std::int64_t, 2> stride{1, 1};
  std::array<std::int64_t, 2> dilation{1, 1};
  std::array<std::int64_t, 4> pads{0, 0, 0,
                                   0};  ///< top, left, bottom, right, removed from the output
  std::array<std::int64_t, 2> output_padding{0, 0};  ///< added after the bottom and right edges
  std::int64_t groups = 1;
};

/// ConvTranspose over [N, C_in, H, W]: output size stride * (in - 1) + output_padding +
/// dilation * (kernel - 1) + 1 - pad_begin - pad_end per spatial axis. Its forward is the
/// backward-data pass of the convolution with the same weight, stride, dilation, pads and groups
/// (from the output back to the input), so it runs on the backend's convolution kernels; it is a
/// LinearLayer (weight and bias transformed as in Conv). Throws InvalidArgument naming the
/// parameter at fault: a weight that is not 4-D, groups not dividing C_in, a bias that is not
/// [C_out], a stride or dilation < 1, a negative pad, or an output_padding that is negative or not
/// smaller than the stride; output_shape throws ShapeError for an input of another channel count
/// or an output with no position. Immutable and thread-safe.
LUMEN_API std::shared_ptr<const Layer> make_conv_transpose2d(ConvTranspose2dParams params);

}  // namespace lumen
