// Breaks "concurrent calls do not disturb each other": its gemm packs op(A) into one static scratch
// buffer shared by every call. Alone each call is exact; two calls at once overwrite each other's
// packed rows and both give wrong products.
#include <array>
#include <cstdint>
#include <lumen/backend.hpp>
#include <lumen/error.hpp>
#include <lumen/plugin.hpp>

namespace {

using I = std::int64_t;

std::array<float, std::size_t{1} << 18U> scratch;

class StaticScratchBackend final : public lumen::Backend {
 public:
  lumen::BackendInfo info() const override {
    return {"fixture-static-scratch-backend", "a gemm that packs A into a static scratch buffer"};
  }
  bool implements(lumen::Kernel kernel) const override { return kernel == lumen::Kernel::gemm; }
  void gemm(bool transpose_a, bool transpose_b, I m, I n, I k, float alpha, const float* a, I lda,
            const float* b, I ldb, float beta, float* c, I ldc) const override {
    if (m * k > static_cast<I>(scratch.size())) {
      throw lumen::InvalidArgument("fixture-static-scratch-backend: A is larger than its scratch");
    }
    for (I i = 0; i < m; ++i) {
      for (I p = 0; p < k; ++p) scratch[i * k + p] = transpose_a ? a[p * lda + i] : a[i * lda + p];
    }
    for (I i = 0; i < m; ++i) {
      for (I j = 0; j < n; ++j) {
        float sum = 0.0F;
        for (I p = 0; p < k; ++p)
          sum += scratch[i * k + p] * (transpose_b ? b[j * ldb + p] : b[p * ldb + j]);
        float& out = c[i * ldc + j];
        out = alpha * sum + (beta == 0.0F ? 0.0F : beta * out);
      }
    }
  }
};

void fill(lumen::Registrar& r) { r.add_backend(std::make_shared<StaticScratchBackend>()); }

}  // namespace

LUMEN_PLUGIN("fixture-static-scratch-backend", "1.0", fill)
