#pragma once
// A backend that hands every kernel to another one and notes which kernels were called: how the
// whole-model check learns which kernels a model runs.
#include <array>
#include <atomic>
#include <memory>
#include <vector>

#include "lumen/backend.hpp"

namespace lumen::conformance::detail {

/// Runs every kernel on `inner` and records that it was called. Thread-safe.
class KernelRecorder final : public Backend {
 public:
  explicit KernelRecorder(std::shared_ptr<const Backend> inner);

  /// The kernels called so far, in declaration order.
  std::vector<Kernel> called() const;

  BackendInfo info() const override;
  bool implements(Kernel kernel) const override;
  void gemm(bool transpose_a, bool transpose_b, std::int64_t m, std::int64_t n, std::int64_t k,
            float alpha, const float* a, std::int64_t lda, const float* b, std::int64_t ldb,
            float beta, float* c, std::int64_t ldc) const override;
  void conv2d_forward(const Conv2dGeometry& g, const float* x, const float* w, const float* bias,
                      float* y) const override;
  void conv2d_backward_data(const Conv2dGeometry& g, const float* dy, const float* w,
                            float* dx) const override;
  void conv2d_backward_weights(const Conv2dGeometry& g, const float* x, const float* dy, float* dw,
                               float* db) const override;
  void max_pool2d_forward(const Pool2dGeometry& g, const float* x, float* y,
                          std::int32_t* argmax) const override;
  void max_pool2d_backward(const Pool2dGeometry& g, const float* dy, const std::int32_t* argmax,
                           float* dx) const override;
  void avg_pool2d_forward(const Pool2dGeometry& g, const float* x, float* y) const override;
  void avg_pool2d_backward(const Pool2dGeometry& g, const float* dy, float* dx) const override;

 private:
  void note(Kernel kernel) const;

  std::shared_ptr<const Backend> inner_;
  mutable std::array<std::atomic<bool>, all_kernels.size()> called_{};
};

}  // namespace lumen::conformance::detail
