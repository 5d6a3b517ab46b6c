#pragma once
// Helpers shared by the built-in layers (internal to the core library).
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "lumen/elementwise.hpp"
#include "lumen/layer.hpp"
#include "lumen/tensor.hpp"

namespace lumen::layers {

/// "Conv 3x3/1 ..." : op type and configuration, to start error messages.
std::string label(const Layer& layer);
/// "[1,3,8,8], [1,3,8,8]".
std::string to_string(std::span<const Shape> shapes);
/// Throws ShapeError unless there are exactly `expected` inputs.
void require_input_count(const Layer& layer, std::size_t count, std::size_t expected);
/// Throws ShapeError unless the input has rank `rank` (or at least `rank` when `at_least`).
void require_rank(const Layer& layer, const Shape& shape, std::size_t rank, bool at_least = false);
/// Throws ShapeError unless grad_output has the shape of the layer's output for one input of
/// shape `input` (the check of a single-input layer's backward).
void require_output_gradient(const Layer& layer, const Shape& input, const Tensor& grad_output);
/// The shapes of the inputs.
std::vector<Shape> shapes_of(TensorRefs inputs);
/// `value` cast to std::size_t, for indexing containers with std::int64_t.
inline std::size_t at(std::int64_t value) { return static_cast<std::size_t>(value); }
/// "2" when both are equal, "2x1" otherwise.
std::string pair_to_string(std::int64_t a, std::int64_t b);
/// Throws InvalidArgument unless `values` has one tensor per name, shaped like `current`, e.g.
/// "Conv: parameter 'bias' has shape [3], expected [4]" (with_parameters' checks).
void require_parameters(const Layer& layer, const std::vector<Tensor>& values,
                        std::span<const char* const> names, std::span<const Tensor* const> current);
/// {t} without a copy: a braced list's elements are const, so `return {t};` copies each tensor.
inline std::vector<Tensor> single(Tensor t) {
  std::vector<Tensor> out;
  out.push_back(std::move(t));
  return out;
}
/// A copy of the tensor with t applied to every value.
Tensor transformed(const Tensor& tensor, const WeightTransform& t);

/// Throws ShapeError unless `constant` broadcasts numpy-style to `input` without changing its
/// shape. The batch axis only takes 1: a constant per sample index would depend on the batch size.
void require_broadcastable(const Layer& layer, const Shape& constant, const Shape& input);

/// The constant's strides as seen from the axes of a rank-`rank` tensor (0 where it broadcasts).
std::vector<std::int64_t> broadcast_strides(const Shape& constant, std::size_t rank);

/// y[i] = op(v[i], c[j]), with the constant c broadcast numpy-style to v's shape.
template <class Op>
Tensor broadcast_apply(const Tensor& v, const Tensor& c, Op op) {
  const auto rank = v.shape().size();
  const auto strides = broadcast_strides(c.shape(), rank);
  Tensor y(v.shape());
  std::vector<std::int64_t> index(rank, 0);
  std::int64_t offset = 0;
  for (std::int64_t i = 0; i < v.size(); ++i) {
    y[i] = op(v[i], c[offset]);
    for (auto a = rank; a-- > 0;) {
      offset += strides[a];
      if (++index[a] < v.shape()[a]) break;
      offset -= strides[a] * v.shape()[a];
      index[a] = 0;
    }
  }
  return y;
}

}  // namespace lumen::layers
