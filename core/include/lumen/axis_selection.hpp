#pragma once
/// The layer reading constant positions of one axis: ONNX Slice, Split and Gather with constant
/// indices (Note [axis selection] in core/src/layers/axis_selection.cpp).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lumen/export.hpp"
#include "lumen/layer.hpp"

namespace lumen {

/// The positions of one axis that an axis selection reads.
struct AxisSelection {
  std::int64_t axis = 1;              ///< >= 1: the batch axis cannot be selected from
  std::vector<std::int64_t> indices;  ///< >= 0, may repeat, each below the axis's size
  bool drop_axis = false;             ///< remove the axis (one index: a scalar Gather index)
};

/// Values at constant positions along one axis: ONNX Slice (any nonzero steps; a negative one reads
/// positions in descending order), Split and Gather with constant indices; op_type names which.
/// Output index j of the axis is input index indices[j]; with drop_axis the axis is removed. A
/// structural layer: its backward adds each output gradient at the position it was read from, zeros
/// elsewhere, so relevance routed through it keeps its total. Throws InvalidArgument for an empty
/// op_type, axis 0, no index, a negative index or drop_axis with several indices; output_shape
/// throws ShapeError when the axis or an index is out of range for the input. The layer is
/// immutable and thread-safe.
LUMEN_API std::shared_ptr<const Layer> make_axis_selection(std::string op_type,
                                                           AxisSelection selection);

}  // namespace lumen
