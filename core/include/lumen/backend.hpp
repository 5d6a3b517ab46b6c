#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lumen/export.hpp"

namespace lumen {

class WeightCache;

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

/// Throws InvalidArgument or ShapeError, prefixed by `who` (e.g. "cpu-blas conv2d_forward"), when
/// a size, stride or dilation is not positive, a pad is negative, groups does not divide both
/// channel counts, or out_h / out_w do not follow from the rest.
LUMEN_API void check_conv_geometry(std::string_view who, const Conv2dGeometry& g);

/// Throws InvalidArgument, prefixed by `who` (e.g. "cpu-blas gemm"), when m, n or k is negative
/// or a row stride (lda, ldb, ldc) is shorter than the row of the matrix it strides.
LUMEN_API void check_gemm_shape(std::string_view who, bool transpose_a, bool transpose_b,
                                std::int64_t m, std::int64_t n, std::int64_t k, std::int64_t lda,
                                std::int64_t ldb, std::int64_t ldc);

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

/// The kernels of the Backend interface, in declaration order.
enum class Kernel {
  gemm,
  conv2d_forward,
  conv2d_backward_data,
  conv2d_backward_weights,
  max_pool2d_forward,
  max_pool2d_backward,
  avg_pool2d_forward,
  avg_pool2d_backward,
};
inline constexpr std::array<Kernel, 8> all_kernels = {Kernel::gemm,
                                                      Kernel::conv2d_forward,
                                                      Kernel::conv2d_backward_data,
                                                      Kernel::conv2d_backward_weights,
                                                      Kernel::max_pool2d_forward,
                                                      Kernel::max_pool2d_backward,
                                                      Kernel::avg_pool2d_forward,
                                                      Kernel::avg_pool2d_backward};
/// The kernel's name as in the Backend interface, e.g. "conv2d_forward".
LUMEN_API const char* to_string(Kernel kernel);

struct BackendInfo {
  std::string name;     ///< kebab-case, e.g. "cpu-blas"
  std::string summary;  ///< one line: what it accelerates and how
  /// Place in the default order: backends with a higher preference are tried first (ties by
  /// name). The plain-loop reference has the lowest.
  int preference = 0;
};

/// The kernels layers run on. Layers call these through the Backend in the Context; they never
/// pick an implementation themselves. All pointers are to contiguous row-major float32 data.
/// Outputs are overwritten (never accumulated into). Implementations must be thread-safe (const)
/// and give results that do not depend on the number of threads.
///
/// A backend may implement only some kernels: implements() says which, and the others keep the
/// default, which throws. A BackendChain runs each kernel on the first backend of an ordered
/// list that implements it.
class LUMEN_API Backend {
 public:
  virtual ~Backend();
  virtual BackendInfo info() const = 0;
  /// Whether this backend implements `kernel`. A kernel it does not implement keeps the
  /// default below, which throws InvalidArgument naming the backend and the kernel.
  virtual bool implements(Kernel kernel) const = 0;

  /// C = alpha * op(A) * op(B) + beta * C, row-major; op(X) = X or X^T. A is m×k after op,
  /// B is k×n after op, C is m×n; lda/ldb/ldc are the row strides of the stored matrices.
  virtual void gemm(bool transpose_a, bool transpose_b, std::int64_t m, std::int64_t n,
                    std::int64_t k, float alpha, const float* a, std::int64_t lda, const float* b,
                    std::int64_t ldb, float beta, float* c, std::int64_t ldc) const;

  /// y[N,C_out,out_h,out_w] = conv(x, w) + bias (bias may be null).
  virtual void conv2d_forward(const Conv2dGeometry& g, const float* x, const float* w,
                              const float* bias, float* y) const;
  /// dx[N,C_in,in_h,in_w] = gradient of sum(dy * conv(x, w)) with respect to x.
  virtual void conv2d_backward_data(const Conv2dGeometry& g, const float* dy, const float* w,
                                    float* dx) const;
  /// conv2d_forward / conv2d_backward_data with constant weights and the cache their owner keeps
  /// for them, where a backend may keep the weights in its own layout between calls. The
  /// defaults ignore the cache.
  virtual void conv2d_forward_cached(const Conv2dGeometry& g, const float* x, const float* w,
                                     const WeightCache& cache, const float* bias, float* y) const;
  virtual void conv2d_backward_data_cached(const Conv2dGeometry& g, const float* dy, const float* w,
                                           const WeightCache& cache, float* dx) const;
  /// dw = gradient with respect to w; db (may be null) = dy summed over N, H, W.
  virtual void conv2d_backward_weights(const Conv2dGeometry& g, const float* x, const float* dy,
                                       float* dw, float* db) const;

  /// y = max over each window. argmax (may be null) receives, per output element, the flat index
  /// h*in_w + w of the winning input in its channel plane; ties go to the first in scan order.
  virtual void max_pool2d_forward(const Pool2dGeometry& g, const float* x, float* y,
                                  std::int32_t* argmax) const;
  /// dx = dy routed to the recorded winners (summed where windows overlap).
  virtual void max_pool2d_backward(const Pool2dGeometry& g, const float* dy,
                                   const std::int32_t* argmax, float* dx) const;
  virtual void avg_pool2d_forward(const Pool2dGeometry& g, const float* x, float* y) const;
  virtual void avg_pool2d_backward(const Pool2dGeometry& g, const float* dy, float* dx) const;
};

/// An ordered list of backends acting as one: each kernel runs on the first backend in the list
/// that implements it (the oneDNN pattern: best implementation first, reference last). The
/// routing is fixed at construction. Thread-safe; keeps the backends alive.
class LUMEN_API BackendChain final : public Backend {
 public:
  /// Throws InvalidArgument for an empty list, a null entry, or a kernel no backend implements.
  explicit BackendChain(std::vector<std::shared_ptr<const Backend>> ordered);
  ~BackendChain() override;

  /// Name: the backends' names joined by '>'; summary: which backend runs each kernel.
  BackendInfo info() const override;
  bool implements(Kernel kernel) const override;
  const std::vector<std::shared_ptr<const Backend>>& backends() const { return ordered_; }
  /// The backend that runs `kernel`.
  const Backend& implementer(Kernel kernel) const;

  void gemm(bool transpose_a, bool transpose_b, std::int64_t m, std::int64_t n, std::int64_t k,
            float alpha, const float* a, std::int64_t lda, const float* b, std::int64_t ldb,
            float beta, float* c, std::int64_t ldc) const override;
  void conv2d_forward(const Conv2dGeometry& g, const float* x, const float* w, const float* bias,
                      float* y) const override;
  void conv2d_backward_data(const Conv2dGeometry& g, const float* dy, const float* w,
                            float* dx) const override;
  void conv2d_forward_cached(const Conv2dGeometry& g, const float* x, const float* w,
                             const WeightCache& cache, const float* bias, float* y) const override;
  void conv2d_backward_data_cached(const Conv2dGeometry& g, const float* dy, const float* w,
                                   const WeightCache& cache, float* dx) const override;
  void conv2d_backward_weights(const Conv2dGeometry& g, const float* x, const float* dy, float* dw,
                               float* db) const override;
  void max_pool2d_forward(const Pool2dGeometry& g, const float* x, float* y,
                          std::int32_t* argmax) const override;
  void max_pool2d_backward(const Pool2dGeometry& g, const float* dy, const std::int32_t* argmax,
                           float* dx) const override;
  void avg_pool2d_forward(const Pool2dGeometry& g, const float* x, float* y) const override;
  void avg_pool2d_backward(const Pool2dGeometry& g, const float* dy, float* dx) const override;

 private:
  std::vector<std::shared_ptr<const Backend>> ordered_;
  std::array<const Backend*, all_kernels.size()> route_{};
};

}  // namespace lumen
