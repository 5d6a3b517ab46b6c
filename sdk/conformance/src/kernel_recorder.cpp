#include "kernel_recorder.hpp"

#include <utility>

namespace lumen::conformance::detail {

KernelRecorder::KernelRecorder(std::shared_ptr<const Backend> inner) : inner_(std::move(inner)) {}

std::vector<Kernel> KernelRecorder::called() const {
  std::vector<Kernel> kernels;
  for (const Kernel kernel : all_kernels) {
    if (called_[static_cast<std::size_t>(kernel)]) kernels.push_back(kernel);
  }
  return kernels;
}

void KernelRecorder::note(Kernel kernel) const { called_[static_cast<std::size_t>(kernel)] = true; }

BackendInfo KernelRecorder::info() const { return inner_->info(); }

bool KernelRecorder::implements(Kernel kernel) const { return inner_->implements(kernel); }

void KernelRecorder::gemm(bool transpose_a, bool transpose_b, std::int64_t m, std::int64_t n,
                          std::int64_t k, float alpha, const float* a, std::int64_t lda,
                          const float* b, std::int64_t ldb, float beta, float* c,
                          std::int64_t ldc) const {
  note(Kernel::gemm);
  inner_->gemm(transpose_a, transpose_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void KernelRecorder::conv2d_forward(const Conv2dGeometry& g, const float* x, const float* w,
                                    const float* bias, float* y) const {
  note(Kernel::conv2d_forward);
  inner_->conv2d_forward(g, x, w, bias, y);
}

void KernelRecorder::conv2d_backward_data(const Conv2dGeometry& g, const float* dy, const float* w,
                                          float* dx) const {
  note(Kernel::conv2d_backward_data);
  inner_->conv2d_backward_data(g, dy, w, dx);
}

void KernelRecorder::conv2d_backward_weights(const Conv2dGeometry& g, const float* x,
                                             const float* dy, float* dw, float* db) const {
  note(Kernel::conv2d_backward_weights);
  inner_->conv2d_backward_weights(g, x, dy, dw, db);
}

void KernelRecorder::max_pool2d_forward(const Pool2dGeometry& g, const float* x, float* y,
                                        std::int32_t* argmax) const {
  note(Kernel::max_pool2d_forward);
  inner_->max_pool2d_forward(g, x, y, argmax);
}

void KernelRecorder::max_pool2d_backward(const Pool2dGeometry& g, const float* dy,
                                         const std::int32_t* argmax, float* dx) const {
  note(Kernel::max_pool2d_backward);
  inner_->max_pool2d_backward(g, dy, argmax, dx);
}

void KernelRecorder::avg_pool2d_forward(const Pool2dGeometry& g, const float* x, float* y) const {
  note(Kernel::avg_pool2d_forward);
  inner_->avg_pool2d_forward(g, x, y);
}

void KernelRecorder::avg_pool2d_backward(const Pool2dGeometry& g, const float* dy,
                                         float* dx) const {
  note(Kernel::avg_pool2d_backward);
  inner_->avg_pool2d_backward(g, dy, dx);
}

}  // namespace lumen::conformance::detail
