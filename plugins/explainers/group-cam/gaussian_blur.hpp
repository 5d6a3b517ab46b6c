#pragma once
// Gaussian blur of images, the baseline of group-cam.
#include <lumen/tensor.hpp>

namespace lumen::group_cam {

/// Each plane of `images` ([N,C,H,W]) convolved with a normalised `kernel` x `kernel` Gaussian of
/// standard deviation `sigma` (separable: rows, then columns), with weights exp(-t^2 / (2 sigma^2))
/// for t in [-kernel/2, kernel/2]. Borders are mirrored without repeating the edge pixel
/// (PyTorch's and kornia's "reflect"), the mirroring repeated as often as the kernel needs, so any
/// image size works. `kernel` must be odd and `sigma` positive (InvalidArgument otherwise).
Tensor gaussian_blur(const Tensor& images, std::int64_t kernel, double sigma);

}  // namespace lumen::group_cam
