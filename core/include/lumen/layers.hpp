#pragma once
/// Constructors of the built-in layer types, used by importers (and tests) to build graphs.
/// Weights follow ONNX/PyTorch layouts. Every constructor validates its arguments and throws
/// InvalidArgument naming the parameter at fault.
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "lumen/export.hpp"
#include "lumen/layer.hpp"
#include "lumen/tensor.hpp"

namespace lumen {

struct Conv2dParams {
  Tensor weight;               ///< [C_out, C_in/groups, KH, KW]
  std::optional<Tensor> bias;  ///< [C_out]
  std::array<std::int64_t, 2> stride{1, 1};
  std::array<std::int64_t, 2> dilation{1, 1};
  std::array<std::int64_t, 4> pads{0, 0, 0, 0};  ///< top, left, bottom, right
  std::int64_t groups = 1;
};

struct Pool2dParams {
  std::array<std::int64_t, 2> kernel{1, 1};
  std::array<std::int64_t, 2> stride{1, 1};
  std::array<std::int64_t, 2> dilation{1, 1};
  std::array<std::int64_t, 4> pads{0, 0, 0, 0};  ///< top, left, bottom, right
  bool ceil_mode = false;
  bool count_include_pad = false;  ///< average pooling only
};

enum class PadMode { constant, reflect, edge };

LUMEN_API std::shared_ptr<const Layer> make_conv2d(Conv2dParams params);
/// y = x W^T + b over [N, in] inputs; weight is [out, in], bias [out]. An input [N, ..., in] of
/// higher rank gets the layer over its last axis (nn.Linear): output [N, ..., out].
LUMEN_API std::shared_ptr<const Layer> make_linear(Tensor weight, std::optional<Tensor> bias);
LUMEN_API std::shared_ptr<const Layer> make_relu();
LUMEN_API std::shared_ptr<const Layer> make_leaky_relu(float alpha);
LUMEN_API std::shared_ptr<const Layer> make_sigmoid();
LUMEN_API std::shared_ptr<const Layer> make_tanh();
/// ONNX Clip: y = min(max(x, min), max); ReLU6 is make_clip(0, 6). Either bound may be infinite
/// (absent in ONNX); both must be numbers with min <= max (InvalidArgument otherwise).
LUMEN_API std::shared_ptr<const Layer> make_clip(float min, float max);
/// ONNX HardSigmoid: y = max(0, min(1, alpha * x + beta)); alpha and beta must be finite.
LUMEN_API std::shared_ptr<const Layer> make_hard_sigmoid(float alpha, float beta);
/// ONNX HardSwish: y = x * max(0, min(1, x / 6 + 1/2)), PyTorch's hardswish.
LUMEN_API std::shared_ptr<const Layer> make_hard_swish();
LUMEN_API std::shared_ptr<const Layer> make_max_pool2d(Pool2dParams params);
LUMEN_API std::shared_ptr<const Layer> make_avg_pool2d(Pool2dParams params);
LUMEN_API std::shared_ptr<const Layer> make_global_average_pool();
/// Inference batch-norm over channel axis 1: y = scale * (x - mean) / sqrt(var + epsilon) + bias.
LUMEN_API std::shared_ptr<const Layer> make_batch_norm(Tensor scale, Tensor bias, Tensor mean,
                                                       Tensor variance, float epsilon);
/// Local response normalisation across channels (ONNX LRN).
LUMEN_API std::shared_ptr<const Layer> make_lrn(std::int64_t size, float alpha, float beta,
                                                float bias);
/// ONNX Flatten with axis >= 1: [N, ...] -> [N * prod(d1..axis-1), prod(rest)].
LUMEN_API std::shared_ptr<const Layer> make_flatten(std::int64_t axis);
/// Reshape of each sample to `sample_shape` (batch excluded; ONNX 0 = copy, -1 = infer).
LUMEN_API std::shared_ptr<const Layer> make_reshape(Shape sample_shape);
/// Element-wise sum of two or more inputs (residual connections), broadcast NumPy-style between
/// inputs of equal rank as make_mul (binary_layers.hpp).
LUMEN_API std::shared_ptr<const Layer> make_add();
/// x + c, with the constant c broadcast against x numpy-style (c's rank <= x's rank).
LUMEN_API std::shared_ptr<const Layer> make_add_constant(Tensor constant);
/// x * c, with the constant c broadcast against x numpy-style as in make_add_constant (the output
/// has x's shape; c may not vary along the batch axis). A LinearLayer (op "Mul") whose implicit
/// weight is c and which has no bias, so the LRP rules apply to it.
LUMEN_API std::shared_ptr<const Layer> make_mul_constant(Tensor constant);
/// ONNX Transpose over the whole tensor: output axis i is input axis perm[i]. perm[0] must be 0
/// (the batch stays the outermost axis).
LUMEN_API std::shared_ptr<const Layer> make_transpose(std::vector<std::int64_t> perm);
/// Concatenation along `axis` (>= 1; the batch axis cannot be concatenated).
LUMEN_API std::shared_ptr<const Layer> make_concat(std::int64_t axis);
/// Passes its input through; op_type names what it stands for ("Identity", "Dropout").
LUMEN_API std::shared_ptr<const Layer> make_identity(std::string op_type);
LUMEN_API std::shared_ptr<const Layer> make_softmax(std::int64_t axis);
/// ONNX Pad: pads = [x1_begin, x2_begin, ..., x1_end, x2_end, ...] over all axes (batch axis
/// pads must be 0); value is used in constant mode.
LUMEN_API std::shared_ptr<const Layer> make_pad(std::vector<std::int64_t> pads, PadMode mode,
                                                float value);

}  // namespace lumen
