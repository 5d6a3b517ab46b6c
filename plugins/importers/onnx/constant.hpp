#pragma once
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "lumen/tensor.hpp"

namespace lumen::onnx_import {

/// Stands, in a folded shape, for the batch size of a model whose batch dimension is symbolic.
/// Not INT64_MIN nor -INT64_MAX: files write those as the end of a Slice with a negative step.
inline constexpr std::int64_t batch_marker = std::numeric_limits<std::int64_t>::min() / 2;

/// A value known at import time: a float tensor (weights, biases) or an integer tensor (shapes,
/// pads, indices, booleans).
struct Constant {
  Shape shape;
  bool integer = false;
  std::vector<float> floats;       ///< when !integer
  std::vector<std::int64_t> ints;  ///< when integer

  std::int64_t size() const { return element_count(shape); }
  /// The float values as a Tensor; throws ModelError when the constant is an integer tensor.
  Tensor tensor() const;
  /// The integer values; throws ModelError when the constant is a float tensor or holds the
  /// symbolic batch size.
  const std::vector<std::int64_t>& concrete_ints() const;
};

/// Reads a TensorProto; `what` names it in errors ("initializer 'w'"). Throws ModelError for
/// unsupported element types, external data and values whose count does not fit the dims.
Constant read_tensor(const onnx::TensorProto& proto, const std::string& what);

}  // namespace lumen::onnx_import
