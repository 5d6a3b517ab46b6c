#pragma once
// NumPy broadcasting between computed tensors (internal to the core library): Add, Mul and Sub of
// two computed tensors, and the propagation engine's routing through them.
#include <span>

#include "lumen/layer.hpp"
#include "lumen/tensor.hpp"

namespace lumen::layers {

/// The NumPy broadcast of inputs of equal rank (each axis equal or 1; the batch axis 0 equal);
/// throws ShapeError naming the layer otherwise.
Shape broadcast_shape(const Layer& layer, std::span<const Shape> inputs);
/// `t` repeated along its size-1 axes to `shape` (a copy; `t` itself when the shapes agree).
Tensor expand_to(const Tensor& t, const Shape& shape);
/// `g` summed over the axes where `shape` is 1 and g is not: the gradient of expand_to.
Tensor reduce_to(const Tensor& g, const Shape& shape);

}  // namespace lumen::layers
