#include "cpu_blas_backend.hpp"

#include "blas.hpp"
#include "conv.hpp"
#include "gemm.hpp"
#include "pool.hpp"
#include "validate.hpp"

namespace lumen {
namespace {

using cpu_blas::Index;

class CpuBlasBackend final : public Backend {
 public:
  BackendInfo info() const override {
    return {"cpu-blas",
            "every kernel on the CPU: im2col + single-threaded OpenBLAS sgemm per oneTBB task, "
            "plain pooling loops; deterministic for any thread count",
            10};
  }

  bool implements(Kernel) const override { return true; }

  void gemm(bool transpose_a, bool transpose_b, Index m, Index n, Index k, float alpha,
            const float* a, Index lda, const float* b, Index ldb, float beta, float* c,
            Index ldc) const override {
    cpu_blas::validate_gemm("gemm", transpose_a, transpose_b, m, n, k, lda, ldb, ldc);
    cpu_blas::tiled_gemm(transpose_a, transpose_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  }

  void conv2d_forward(const Conv2dGeometry& g, const float* x, const float* w, const float* bias,
                      float* y) const override {
    cpu_blas::validate_conv("conv2d_forward", g);
    cpu_blas::conv2d_forward(g, x, w, bias, y);
  }

  void conv2d_backward_data(const Conv2dGeometry& g, const float* dy, const float* w,
                            float* dx) const override {
    cpu_blas::validate_conv("conv2d_backward_data", g);
    cpu_blas::conv2d_backward_data(g, dy, w, dx);
  }

  void conv2d_backward_weights(const Conv2dGeometry& g, const float* x, const float* dy, float* dw,
                               float* db) const override {
    cpu_blas::validate_conv("conv2d_backward_weights", g);
    cpu_blas::conv2d_backward_weights(g, x, dy, dw, db);
  }

  void max_pool2d_forward(const Pool2dGeometry& g, const float* x, float* y,
                          std::int32_t* argmax) const override {
    cpu_blas::validate_pool("max_pool2d_forward", g);
    cpu_blas::max_pool2d_forward(g, x, y, argmax);
  }

  void max_pool2d_backward(const Pool2dGeometry& g, const float* dy, const std::int32_t* argmax,
                           float* dx) const override {
    cpu_blas::validate_pool("max_pool2d_backward", g);
    cpu_blas::max_pool2d_backward(g, dy, argmax, dx);
  }

  void avg_pool2d_forward(const Pool2dGeometry& g, const float* x, float* y) const override {
    cpu_blas::validate_pool("avg_pool2d_forward", g);
    cpu_blas::avg_pool2d_forward(g, x, y);
  }

  void avg_pool2d_backward(const Pool2dGeometry& g, const float* dy, float* dx) const override {
    cpu_blas::validate_pool("avg_pool2d_backward", g);
    cpu_blas::avg_pool2d_backward(g, dy, dx);
  }
};

}  // namespace

std::shared_ptr<const Backend> make_cpu_blas_backend() {
  cpu_blas::pin_openblas_to_one_thread();
  return std::make_shared<const CpuBlasBackend>();
}

}  // namespace lumen
