#pragma once
/// Element-wise mathematical functions as activation layers (kind activation: relevance passes
/// through them, DeepLIFT applies its rescale rule). Layers are immutable and thread-safe.
#include <memory>

#include "lumen/export.hpp"
#include "lumen/layer.hpp"

namespace lumen {

enum class GeluApproximation { none, tanh };

/// GELU as PyTorch defines it (op "Gelu"): none: x/2 (1 + erf(x / sqrt 2)); tanh: x/2 (1 +
/// tanh(sqrt(2/pi) (x + 0.044715 x^3))).
LUMEN_API std::shared_ptr<const Layer> make_gelu(GeluApproximation approximation);
/// The error function erf(x) (op "Erf").
LUMEN_API std::shared_ptr<const Layer> make_erf();
/// sqrt(x) (op "Sqrt"): NaN for x < 0, gradient infinite at 0, as in ONNX and PyTorch.
LUMEN_API std::shared_ptr<const Layer> make_sqrt();
/// x^exponent for a constant finite exponent (op "Pow"). Computed by std::pow, so as in ONNX and
/// PyTorch a negative base with a non-integer exponent gives NaN; the gradient is exponent *
/// x^(exponent - 1) (0 for exponent 0).
LUMEN_API std::shared_ptr<const Layer> make_pow(float exponent);
/// 1 / x (op "Reciprocal"): infinite at 0.
LUMEN_API std::shared_ptr<const Layer> make_reciprocal();
/// e^x (op "Exp").
LUMEN_API std::shared_ptr<const Layer> make_exp();
/// |x| (op "Abs"); its gradient is sign(x), 0 at 0 as in PyTorch.
LUMEN_API std::shared_ptr<const Layer> make_abs();

}  // namespace lumen
