// Breaks "every kernel agrees with cpu-naive": it implements two kernels by handing them to
// cpu-naive (found by name through the registry), but conv2d_forward forgets the bias.
#include <lumen/backend.hpp>
#include <lumen/plugin.hpp>
#include <lumen/registry.hpp>

namespace {

class BadBackend final : public lumen::Backend {
 public:
  explicit BadBackend(const lumen::Registry& registry) : registry_(registry) {}

  lumen::BackendInfo info() const override {
    return {"fixture-bad-backend", "cpu-naive with a convolution that ignores its bias"};
  }
  // Only the two convolution kernels: the others are left to the next backend of a chain, and
  // their checks are skipped.
  bool implements(lumen::Kernel kernel) const override {
    return kernel == lumen::Kernel::conv2d_forward || kernel == lumen::Kernel::conv2d_backward_data;
  }
  void conv2d_forward(const lumen::Conv2dGeometry& g, const float* x, const float* w, const float*,
                      float* y) const override {
    reference().conv2d_forward(g, x, w, nullptr, y);
  }
  void conv2d_backward_data(const lumen::Conv2dGeometry& g, const float* dy, const float* w,
                            float* dx) const override {
    reference().conv2d_backward_data(g, dy, w, dx);
  }

 private:
  const lumen::Backend& reference() const { return *registry_.backend("cpu-naive"); }
  const lumen::Registry& registry_;
};

void fill(lumen::Registrar& r) { r.add_backend(std::make_shared<BadBackend>(r.registry())); }

}  // namespace

LUMEN_PLUGIN("fixture-bad-backend", "1.0", fill)
