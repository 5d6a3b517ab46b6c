#pragma once
// Image and mask operations of meaningful perturbation that need no model: the transpose of
// bilinear upsampling (to pull gradients back to the mask), the Gaussian blur of the perturbation
// and the total-variation penalty.
#include <cstdint>
#include <lumen/tensor.hpp>

namespace lumen::meaningful_perturbation {

/// The adjoint of lumen::upsample_bilinear(., height, width) applied to [N,C,h,w] maps: takes
/// [N,C,height,width] and returns [N,C,h,w] with <Up(a), b> = <a, Up^T(b)>.
Tensor upsample_bilinear_transpose(const Tensor& maps, std::int64_t h, std::int64_t w);

/// Separable Gaussian blur of every plane of [N,C,H,W] with standard deviation `sigma` pixels,
/// kernel radius ceil(3 sigma), edges clamped (replicated). sigma = 0 returns the input.
Tensor gaussian_blur(const Tensor& images, double sigma);

/// TV_beta(m) = mean over the h*w cells of the sum over horizontal and vertical neighbour pairs of
/// |m_a - m_b|^beta. Adds weight * dTV/dm to `gradient` (h*w values) when it is not null.
double total_variation(const float* mask, std::int64_t h, std::int64_t w, double beta,
                       double weight, double* gradient);

}  // namespace lumen::meaningful_perturbation
