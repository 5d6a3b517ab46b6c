#pragma once
/// Arithmetic on import-time constants (the shape computations exporters emit).
#include <cstdint>
#include <vector>

#include "constant.hpp"

namespace lumen::onnx_import {

/// Concatenation of constants of one element kind along `axis` (negative counts from the end).
Constant concat_constants(const std::vector<const Constant*>& parts, std::int64_t axis);
/// ONNX Reshape of a constant to `dims` (0 copies a dimension unless allowzero, -1 is inferred).
Constant reshape_constant(const Constant& value, const std::vector<std::int64_t>& dims,
                          bool allowzero);
/// ONNX Transpose of a constant: output axis i is input axis perm[i].
Constant transpose_constant(const Constant& value, const std::vector<std::int64_t>& perm);
/// ONNX Gather of a constant along `axis` (in range) at `indices` (in range, non-negative):
/// the axis is replaced by `index_shape` (whose element count is indices.size()).
Constant gather_constant(const Constant& data, std::size_t axis,
                         const std::vector<std::int64_t>& indices, const Shape& index_shape);
/// Element-wise arithmetic on constants.
enum class Arithmetic { add, sub, mul, div };
/// a op b with numpy broadcasting; both must be float or both integer (integer division truncates,
/// and a zero divisor is refused).
Constant arithmetic_constants(const Constant& a, const Constant& b, Arithmetic op);
/// "[N,16,-1]": dims of a folded shape, with the symbolic batch size shown as N.
std::string format_dims(const std::vector<std::int64_t>& dims);

}  // namespace lumen::onnx_import
