#include "cpu_onednn_backend.hpp"

#include <string>

#include "convolution.hpp"
#include "gemm.hpp"

namespace lumen {
namespace {

// A bad geometry is refused with lumen's error before oneDNN sees it: its own message
// ("could not create a descriptor") does not say what is wrong.
void validate(const char* kernel, const Conv2dGeometry& g) {
  check_conv_geometry(std::string("cpu-onednn ") + kernel, g);
}

class CpuOnednnBackend final : public Backend {
 public:
  BackendInfo info() const override {
    return {"cpu-onednn",
            "convolutions (forward, backward-data, backward-weights) on oneDNN in its blocked "
            "layouts, primitives cached per geometry, weights reordered once per layer, and gemm "
            "on oneDNN's sgemm; split into oneTBB tasks, bit-identical on any thread count",
            20};
  }

  bool implements(Kernel kernel) const override {
    return kernel == Kernel::gemm || kernel == Kernel::conv2d_forward ||
           kernel == Kernel::conv2d_backward_data || kernel == Kernel::conv2d_backward_weights;
  }

  void gemm(bool transpose_a, bool transpose_b, std::int64_t m, std::int64_t n, std::int64_t k,
            float alpha, const float* a, std::int64_t lda, const float* b, std::int64_t ldb,
            float beta, float* c, std::int64_t ldc) const override {
    check_gemm_shape("cpu-onednn gemm", transpose_a, transpose_b, m, n, k, lda, ldb, ldc);
    cpu_onednn::tiled_gemm(
        {transpose_a, transpose_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc});
  }

  void conv2d_forward(const Conv2dGeometry& g, const float* x, const float* w, const float* bias,
                      float* y) const override {
    validate("conv2d_forward", g);
    convolutions_.forward(g, x, w, nullptr, bias, y);
  }

  void conv2d_forward_cached(const Conv2dGeometry& g, const float* x, const float* w,
                             const WeightCache& cache, const float* bias, float* y) const override {
    validate("conv2d_forward", g);
    convolutions_.forward(g, x, w, &cache, bias, y);
  }

  void conv2d_backward_data(const Conv2dGeometry& g, const float* dy, const float* w,
                            float* dx) const override {
    validate("conv2d_backward_data", g);
    convolutions_.backward_data(g, dy, w, nullptr, dx);
  }

  void conv2d_backward_data_cached(const Conv2dGeometry& g, const float* dy, const float* w,
                                   const WeightCache& cache, float* dx) const override {
    validate("conv2d_backward_data", g);
    convolutions_.backward_data(g, dy, w, &cache, dx);
  }

  void conv2d_backward_weights(const Conv2dGeometry& g, const float* x, const float* dy, float* dw,
                               float* db) const override {
    validate("conv2d_backward_weights", g);
    convolutions_.backward_weights(g, x, dy, dw, db);
  }

 private:
  cpu_onednn::Convolutions convolutions_;
};

}  // namespace

std::shared_ptr<const Backend> make_cpu_onednn_backend() {
  return std::make_shared<const CpuOnednnBackend>();
}

}  // namespace lumen
