#pragma once
/// Noisy copies of an input, as SmoothGrad and Smooth Grad-CAM++ average over them.
#include <cstdint>

#include "lumen/context.hpp"
#include "lumen/export.hpp"
#include "lumen/params.hpp"
#include "lumen/tensor.hpp"

namespace lumen {

/// Copies [first, first + count) of the noisy copies x + N(0, sigma^2) of one sample `x`
/// ([1,C,H,W]), sigma = noise_level * (max x - min x), as [count,C,H,W]. Copy k draws its noise
/// from context.rng(0, k): the same whatever the sample's position in the batch, the pass the copy
/// is made in or the thread count. Thread-safe.
LUMEN_API Tensor noisy_copies(const Tensor& x, std::int64_t first, std::int64_t count,
                              double noise_level, const Context& context);

namespace param {
/// The `noise_level` parameter of noisy_copies: the noise's standard deviation as a fraction of
/// each sample's value range (default 0.15).
LUMEN_API ParamSpec noise_level();
}  // namespace param

}  // namespace lumen
