#pragma once
#include <cstdint>
#include <string>

#include "lumen/export.hpp"

namespace lumen {

/// Geometry of a 2-D convolution over NCHW data with weights [C_out, C_in/groups, KH, KW].
/// Padding is given per side; out_h/out_w are the output size (ONNX/PyTorch floor rule).
struct Conv2dGeometry {
  std::int64_t batch = 1;
  std::int64_t in_channels = 1, in_h = 1, in_w = 1;
  std::int64_t out_channels = 1, out_h = 1, out_w = 1;
  std::int64_t kernel_h = 1, kernel_w = 1;
  std::int64_t stride_h = 1, stride_w = 1;
  std::int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  std::int64_t dilation_h = 1, dilation_w = 1;
  std::int64_t groups = 1;
};

/// Geometry of a 2-D pooling window over NCHW data. Padded positions never win a max and,
/// unless count_include_pad, do not count in an average.
struct Pool2dGeometry {
  std::int64_t batch = 1, channels = 1;
  std::int64_t in_h = 1, in_w = 1, out_h = 1, out_w = 1;
  std::int64_t kernel_h = 1, kernel_w = 1;
  std::int64_t stride_h = 1, stride_w = 1;
  std::int64_t pad_top = 0, pad_left = 0;
  std::int64_t dilation_h = 1, dilation_w = 1;
  bool count_include_pad = false;
};

struct BackendInfo {
  std::string name;     ///< kebab-case, e.g. "cpu-reference"
  std::string summary;  ///< one line: what it accelerates and how
};

/// The kernels layers run on. Layers call these through the Backend in the Context; they never
/// pick an implementation themselves. All pointers are to contiguous row-major float32 data.
/// Outputs are overwritten (never accumulated into). Implementations must be thread-safe (const)
/// and give results that do not depend on the number of threads.
class LUMEN_API Backend {
 public:
  virtual ~Backend();
  virtual BackendInfo info() const = 0;

  /// C = alpha * op(A) * op(B) + beta * C, row-major; op(X) = X or X^T. A is m×k after op,
  /// B is k×n after op, C is m×n; lda/ldb/ldc are the row strides of the stored matrices.
  virtual void gemm(bool transpose_a, bool transpose_b, std::int64_t m, std::int64_t n,
                    std::int64_t k, float alpha, const float* a, std::int64_t lda, const float* b,
                    std::int64_t ldb, float beta, float* c, std::int64_t ldc) const = 0;

  /// y[N,C_out,out_h,out_w] = conv(x, w) + bias (bias may be null).
  virtual void conv2d_forward(const Conv2dGeometry& g, const float* x, const float* w,
                              const float* bias, float* y) const = 0;
  /// dx[N,C_in,in_h,in_w] = gradient of sum(dy * conv(x, w)) with respect to x.
  virtual void conv2d_backward_data(const Conv2dGeometry& g, const float* dy, const float* w,
                                    float* dx) const = 0;
  /// dw = gradient with respect to w; db (may be null) = dy summed over N, H, W.
  virtual void conv2d_backward_weights(const Conv2dGeometry& g, const float* x, const float* dy,
                                       float* dw, float* db) const = 0;

  /// y = max over each window. argmax (may be null) receives, per output element, the flat index
  /// h*in_w + w of the winning input in its channel plane; ties go to the first in scan order.
  virtual void max_pool2d_forward(const Pool2dGeometry& g, const float* x, float* y,
                                  std::int32_t* argmax) const = 0;
  /// dx = dy routed to the recorded winners (summed where windows overlap).
  virtual void max_pool2d_backward(const Pool2dGeometry& g, const float* dy,
                                   const std::int32_t* argmax, float* dx) const = 0;
  virtual void avg_pool2d_forward(const Pool2dGeometry& g, const float* x, float* y) const = 0;
  virtual void avg_pool2d_backward(const Pool2dGeometry& g, const float* dy, float* dx) const = 0;
};

}  // namespace lumen
