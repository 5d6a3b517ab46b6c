// Breaks "every kernel agrees with cpu-reference": it hands every kernel to cpu-reference (found
// by name through the registry) except conv2d_forward, which forgets the bias.
#include <lumen/backend.hpp>
#include <lumen/plugin.hpp>
#include <lumen/registry.hpp>

namespace {

class BadBackend final : public lumen::Backend {
 public:
  explicit BadBackend(const lumen::Registry& registry) : registry_(registry) {}

  lumen::BackendInfo info() const override {
    return {"fixture-bad-backend", "cpu-reference with a convolution that ignores its bias"};
  }
  void gemm(bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k, float alpha,
            const float* a, std::int64_t lda, const float* b, std::int64_t ldb, float beta,
            float* c, std::int64_t ldc) const override {
    reference().gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  }
  void conv2d_forward(const lumen::Conv2dGeometry& g, const float* x, const float* w, const float*,
                      float* y) const override {
    reference().conv2d_forward(g, x, w, nullptr, y);
  }
  void conv2d_backward_data(const lumen::Conv2dGeometry& g, const float* dy, const float* w,
                            float* dx) const override {
    reference().conv2d_backward_data(g, dy, w, dx);
  }
  void conv2d_backward_weights(const lumen::Conv2dGeometry& g, const float* x, const float* dy,
                               float* dw, float* db) const override {
    reference().conv2d_backward_weights(g, x, dy, dw, db);
  }
  void max_pool2d_forward(const lumen::Pool2dGeometry& g, const float* x, float* y,
                          std::int32_t* argmax) const override {
    reference().max_pool2d_forward(g, x, y, argmax);
  }
  void max_pool2d_backward(const lumen::Pool2dGeometry& g, const float* dy,
                           const std::int32_t* argmax, float* dx) const override {
    reference().max_pool2d_backward(g, dy, argmax, dx);
  }
  void avg_pool2d_forward(const lumen::Pool2dGeometry& g, const float* x, float* y) const override {
    reference().avg_pool2d_forward(g, x, y);
  }
  void avg_pool2d_backward(const lumen::Pool2dGeometry& g, const float* dy,
                           float* dx) const override {
    reference().avg_pool2d_backward(g, dy, dx);
  }

 private:
  const lumen::Backend& reference() const { return *registry_.backend("cpu-reference"); }
  const lumen::Registry& registry_;
};

void fill(lumen::Registrar& r) { r.add_backend(std::make_shared<BadBackend>(r.registry())); }

}  // namespace

LUMEN_PLUGIN("fixture-bad-backend", "1.0", fill)
