#pragma once
// DeepLIFT's multipliers through a layer norm: Note [DeepLIFT through LayerNorm] in
// layer_norm_multipliers.cpp.
#include <lumen/normalisation_layers.hpp>
#include <lumen/tensor.hpp>

namespace lumen::deeplift {

/// The multipliers of the layer norm's input x (reference x0) given those of its output
/// (`upstream`); sum(m_x * (x - x0)) = sum(upstream * (y - y0)) over each normalised group.
Tensor layer_norm_multipliers(const LayerNormParams& params, const Tensor& x, const Tensor& x0,
                              const Tensor& upstream);

}  // namespace lumen::deeplift
