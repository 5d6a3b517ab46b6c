#pragma once
/// Element-wise layers of two computed tensors with NumPy broadcasting between inputs of equal
/// rank (each axis equal or 1, the batch axis equal). make_add (layers.hpp) broadcasts the same
/// way. Layers are immutable and thread-safe.
#include <memory>

#include "lumen/export.hpp"
#include "lumen/layer.hpp"

namespace lumen {

/// The product a * b (op "Mul", kind structural): squeeze-and-excitation x * gate with the gate
/// [N,C,1,1], SiLU x * sigmoid(x). Relevance through it: Note [gated products] in
/// core/src/gated_product.cpp, docs/rules.md.
LUMEN_API std::shared_ptr<const Layer> make_mul();
/// The difference a - b (op "Sub", kind structural).
LUMEN_API std::shared_ptr<const Layer> make_sub();
/// The quotient a / b (op "Div", kind structural): a normalisation x / s. Relevance goes all to the
/// numerator (Note [quotients] in core/src/gated_product.cpp, docs/rules.md).
LUMEN_API std::shared_ptr<const Layer> make_div();

}  // namespace lumen
