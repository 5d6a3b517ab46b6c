#pragma once
/// How a built-in layer was made: the arguments its make_* constructor (layers.hpp) received,
/// read back so that a model can be rebuilt or written to a file (ONNX export). Each function
/// returns the configuration when `layer` is of the built-in type it names and nothing for any
/// other layer (other built-in types and layers defined by plugins). The results are copies;
/// every function is thread-safe (layers are immutable).
#include <cstdint>
#include <optional>
#include <vector>

#include "lumen/export.hpp"
#include "lumen/layer.hpp"
#include "lumen/layers.hpp"
#include "lumen/tensor.hpp"

namespace lumen {

/// The arguments of make_linear.
struct LinearParams {
  Tensor weight;               ///< [out, in]
  std::optional<Tensor> bias;  ///< [out]
};

/// The arguments of make_batch_norm (the inference statistics, not the folded affine map).
struct BatchNormParams {
  Tensor scale;
  Tensor bias;
  Tensor mean;
  Tensor variance;
  float epsilon = 0.0F;
};

/// The parameters of a convolution (op "Conv"), as given to make_conv2d; thread-safe.
LUMEN_API std::optional<Conv2dParams> conv2d_params(const Layer& layer);
/// The parameters of a max-pooling ("MaxPool") or average-pooling ("AveragePool") layer, as given
/// to make_max_pool2d / make_avg_pool2d (op_type() tells which); nothing for global average
/// pooling, which has none. Thread-safe.
LUMEN_API std::optional<Pool2dParams> pool2d_params(const Layer& layer);
/// The windows of a 2-D pooling: rows[i] are the input rows (padding excluded) that output row i
/// reads, cols[j] the input columns output column j reads; window (i, j) is their product.
struct PoolWindows {
  std::vector<std::vector<std::int64_t>> rows;
  std::vector<std::vector<std::int64_t>> cols;
};
/// The windows of a max- or average-pooling layer (pool2d_params) on an input of `height` x
/// `width`, with the layer's own output size (ceil mode included); nothing for other layers.
/// Thread-safe.
LUMEN_API std::optional<PoolWindows> pool2d_windows(const Layer& layer, std::int64_t height,
                                                    std::int64_t width);
/// The weight and bias of a fully connected layer ("Gemm"), as given to make_linear; thread-safe.
LUMEN_API std::optional<LinearParams> linear_params(const Layer& layer);
/// The statistics, affine parameters and epsilon of a batch-norm layer ("BatchNormalization"), as
/// given to make_batch_norm (or updated by training); thread-safe.
LUMEN_API std::optional<BatchNormParams> batch_norm_params(const Layer& layer);
/// The axis of a Flatten, Concat or Softmax layer, as given to its constructor; thread-safe.
LUMEN_API std::optional<std::int64_t> layer_axis(const Layer& layer);
/// The per-sample target shape of a Reshape layer, as given to make_reshape; thread-safe.
LUMEN_API std::optional<Shape> reshape_shape(const Layer& layer);
/// The negative slope of a leaky ReLU ("LeakyRelu"), as given to make_leaky_relu; thread-safe.
LUMEN_API std::optional<float> leaky_relu_alpha(const Layer& layer);

}  // namespace lumen
