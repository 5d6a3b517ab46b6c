#pragma once
#include <cstdint>

#include "lumen/export.hpp"
#include "lumen/tensor.hpp"

namespace lumen {

/// How a blur reads pixels beyond the image's edge.
enum class BlurBorder {
  replicate,  ///< the nearest edge pixel: ... 0 0 | 0 1 2 ... n-1 | n-1 n-1 ...
  reflect,    ///< mirrored without repeating the edge: ... 2 1 | 0 1 2 ... n-1 | n-2 ..., the
              ///< mirroring repeated as often as the kernel needs (any image size works)
};

/// Each plane of `images` ([N,C,H,W]) convolved with a normalised Gaussian of standard deviation
/// `sigma` pixels, separably (rows, then columns) in double precision: a `kernel_size` x
/// `kernel_size` kernel with weights exp(-t^2 / (2 sigma^2)) for t in [-kernel_size/2,
/// kernel_size/2], divided by their sum, so a constant image stays constant. `kernel_size` 0 means
/// 2 ceil(3 sigma) + 1 (radius ceil(3 sigma)). Throws ShapeError for a tensor that is not 4-D and
/// InvalidArgument naming `sigma` or `kernel_size` and its value for a sigma that is not positive
/// and finite or a kernel size that is negative or even. Deterministic and thread-safe (runs on
/// the calling thread).
LUMEN_API Tensor gaussian_blur(const Tensor& images, double sigma, std::int64_t kernel_size = 0,
                               BlurBorder border = BlurBorder::replicate);

}  // namespace lumen
