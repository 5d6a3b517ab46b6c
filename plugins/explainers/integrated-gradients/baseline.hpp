#pragma once
// The baselines x' of Integrated Gradients, one per sample of the batch.
#include <lumen/context.hpp>
#include <lumen/params.hpp>
#include <lumen/tensor.hpp>

namespace lumen::ig {

/// The Context stream the uniform baseline draws from (sample 0, so a sample's baseline does not
/// depend on its position in the batch).
constexpr std::uint64_t uniform_stream = 0x4947'0000'0000'0001ULL;

/// Gaussian blur of every plane of `x` ([N,C,H,W]) with standard deviation `sigma` pixels: a
/// separable kernel of radius ceil(3 sigma), normalised to sum 1, edges replicated.
Tensor gaussian_blur(const Tensor& x, double sigma);

/// The baseline for every sample of `input` from the parameters baseline, baseline_value,
/// baseline_sigma and baseline_file. Throws InvalidArgument / ShapeError naming the parameter or
/// the file on a bad combination or shape.
Tensor make_baselines(const Params& params, const Tensor& input, const Context& context);

}  // namespace lumen::ig
