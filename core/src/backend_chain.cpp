#include <string>

#include "lumen/backend.hpp"
#include "lumen/error.hpp"

namespace lumen {

const char* to_string(Kernel kernel) {
  switch (kernel) {
    case Kernel::gemm: return "gemm";
    case Kernel::conv2d_forward: return "conv2d_forward";
    case Kernel::conv2d_backward_data: return "conv2d_backward_data";
    case Kernel::conv2d_backward_weights: return "conv2d_backward_weights";
    case Kernel::max_pool2d_forward: return "max_pool2d_forward";
    case Kernel::max_pool2d_backward: return "max_pool2d_backward";
    case Kernel::avg_pool2d_forward: return "avg_pool2d_forward";
    case Kernel::avg_pool2d_backward: return "avg_pool2d_backward";
  }
  return "unknown kernel";
}

namespace {

[[noreturn]] void not_implemented(const Backend& backend, Kernel kernel) {
  throw InvalidArgument("backend '" + backend.info().name + "' does not implement " +
                        to_string(kernel) + " (run it through a BackendChain)");
}

std::size_t slot(Kernel kernel) { return static_cast<std::size_t>(kernel); }

}  // namespace

void Backend::gemm(bool, bool, std::int64_t, std::int64_t, std::int64_t, float, const float*,
                   std::int64_t, const float*, std::int64_t, float, float*, std::int64_t) const {
  not_implemented(*this, Kernel::gemm);
}
void Backend::conv2d_forward(const Conv2dGeometry&, const float*, const float*, const float*,
                             float*) const {
  not_implemented(*this, Kernel::conv2d_forward);
}
void Backend::conv2d_backward_data(const Conv2dGeometry&, const float*, const float*,
                                   float*) const {
  not_implemented(*this, Kernel::conv2d_backward_data);
}
void Backend::conv2d_forward_cached(const Conv2dGeometry& g, const float* x, const float* w,
                                    const WeightCache&, const float* bias, float* y) const {
  conv2d_forward(g, x, w, bias, y);
}
void Backend::conv2d_backward_data_cached(const Conv2dGeometry& g, const float* dy, const float* w,
                                          const WeightCache&, float* dx) const {
  conv2d_backward_data(g, dy, w, dx);
}
void Backend::conv2d_backward_weights(const Conv2dGeometry&, const float*, const float*, float*,
                                      float*) const {
  not_implemented(*this, Kernel::conv2d_backward_weights);
}
void Backend::max_pool2d_forward(const Pool2dGeometry&, const float*, float*, std::int32_t*) const {
  not_implemented(*this, Kernel::max_pool2d_forward);
}
void Backend::max_pool2d_backward(const Pool2dGeometry&, const float*, const std::int32_t*,
                                  float*) const {
  not_implemented(*this, Kernel::max_pool2d_backward);
}
void Backend::avg_pool2d_forward(const Pool2dGeometry&, const float*, float*) const {
  not_implemented(*this, Kernel::avg_pool2d_forward);
}
void Backend::avg_pool2d_backward(const Pool2dGeometry&, const float*, float*) const {
  not_implemented(*this, Kernel::avg_pool2d_backward);
}

BackendChain::BackendChain(std::vector<std::shared_ptr<const Backend>> ordered)
    : ordered_(std::move(ordered)) {
  if (ordered_.empty()) throw InvalidArgument("a backend chain needs at least one backend");
  for (const auto& backend : ordered_) {
    if (!backend) throw InvalidArgument("a backend chain was given a null backend");
  }
  for (const Kernel kernel : all_kernels) {
    for (const auto& backend : ordered_) {
      if (backend->implements(kernel)) {
        route_[slot(kernel)] = backend.get();
        break;
      }
    }
    if (!route_[slot(kernel)]) {
      throw InvalidArgument(std::string("no backend in '") + info().name + "' implements " +
                            to_string(kernel));
    }
  }
}

BackendChain::~BackendChain() = default;

BackendInfo BackendChain::info() const {
  BackendInfo info;
  for (const auto& backend : ordered_) {
    info.name += (info.name.empty() ? "" : ">") + backend->info().name;
  }
  for (const Kernel kernel : all_kernels) {
    const Backend* runs = route_[slot(kernel)];
    if (!runs) continue;
    info.summary += (info.summary.empty() ? "" : ", ") + std::string(to_string(kernel)) + ": " +
                    runs->info().name;
  }
  return info;
}

bool BackendChain::implements(Kernel) const { return true; }

const Backend& BackendChain::implementer(Kernel kernel) const { return *route_[slot(kernel)]; }

void BackendChain::gemm(bool transpose_a, bool transpose_b, std::int64_t m, std::int64_t n,
                        std::int64_t k, float alpha, const float* a, std::int64_t lda,
                        const float* b, std::int64_t ldb, float beta, float* c,
                        std::int64_t ldc) const {
  implementer(Kernel::gemm)
      .gemm(transpose_a, transpose_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
void BackendChain::conv2d_forward(const Conv2dGeometry& g, const float* x, const float* w,
                                  const float* bias, float* y) const {
  implementer(Kernel::conv2d_forward).conv2d_forward(g, x, w, bias, y);
}
void BackendChain::conv2d_backward_data(const Conv2dGeometry& g, const float* dy, const float* w,
                                        float* dx) const {
  implementer(Kernel::conv2d_backward_data).conv2d_backward_data(g, dy, w, dx);
}
void BackendChain::conv2d_forward_cached(const Conv2dGeometry& g, const float* x, const float* w,
                                         const WeightCache& cache, const float* bias,
                                         float* y) const {
  implementer(Kernel::conv2d_forward).conv2d_forward_cached(g, x, w, cache, bias, y);
}
void BackendChain::conv2d_backward_data_cached(const Conv2dGeometry& g, const float* dy,
                                               const float* w, const WeightCache& cache,
                                               float* dx) const {
  implementer(Kernel::conv2d_backward_data).conv2d_backward_data_cached(g, dy, w, cache, dx);
}
void BackendChain::conv2d_backward_weights(const Conv2dGeometry& g, const float* x, const float* dy,
                                           float* dw, float* db) const {
  implementer(Kernel::conv2d_backward_weights).conv2d_backward_weights(g, x, dy, dw, db);
}
void BackendChain::max_pool2d_forward(const Pool2dGeometry& g, const float* x, float* y,
                                      std::int32_t* argmax) const {
  implementer(Kernel::max_pool2d_forward).max_pool2d_forward(g, x, y, argmax);
}
void BackendChain::max_pool2d_backward(const Pool2dGeometry& g, const float* dy,
                                       const std::int32_t* argmax, float* dx) const {
  implementer(Kernel::max_pool2d_backward).max_pool2d_backward(g, dy, argmax, dx);
}
void BackendChain::avg_pool2d_forward(const Pool2dGeometry& g, const float* x, float* y) const {
  implementer(Kernel::avg_pool2d_forward).avg_pool2d_forward(g, x, y);
}
void BackendChain::avg_pool2d_backward(const Pool2dGeometry& g, const float* dy, float* dx) const {
  implementer(Kernel::avg_pool2d_backward).avg_pool2d_backward(g, dy, dx);
}

}  // namespace lumen
