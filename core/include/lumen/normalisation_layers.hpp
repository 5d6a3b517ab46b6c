#pragma once
/// Layer normalisation and the mean over axes it is built from in exported graphs (ONNX
/// LayerNormalization, ReduceMean). Layers are immutable and thread-safe.
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "lumen/export.hpp"
#include "lumen/layer.hpp"
#include "lumen/tensor.hpp"

namespace lumen {

/// ONNX LayerNormalization (kind normalisation): each sample normalised over its axes
/// [axis, rank) (axis may count from the end, but must not reach the batch axis),
/// y = scale * (x - mean) / sqrt(var + epsilon) + bias with the biased variance; scale and bias
/// have the normalised shape, epsilon > 0. Relevance through it: the LN rule, docs/rules.md.
LUMEN_API std::shared_ptr<const Layer> make_layer_norm(std::int64_t axis, Tensor scale,
                                                       std::optional<Tensor> bias, float epsilon);

/// The arguments of make_layer_norm.
struct LayerNormParams {
  std::int64_t axis = -1;
  Tensor scale;                ///< the normalised shape
  std::optional<Tensor> bias;  ///< the normalised shape
  float epsilon = 0.0F;
};

/// The axis, scale, bias and epsilon of a layer-norm layer ("LayerNormalization"), as given to
/// make_layer_norm (or updated by training); nothing for any other layer. Thread-safe.
LUMEN_API std::optional<LayerNormParams> layer_norm_params(const Layer& layer);

/// ONNX ReduceMean over the given non-batch axes (>= 1), which are removed unless keepdims keeps
/// them with size 1. A LinearLayer whose implicit weights are 1/(values averaged), so the LRP
/// rules apply to it.
LUMEN_API std::shared_ptr<const Layer> make_reduce_mean(std::vector<std::int64_t> axes,
                                                        bool keepdims);

}  // namespace lumen
