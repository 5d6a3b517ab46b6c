// Breaks "results do not depend on the number of threads": its convolution sums the input channels
// in reverse order whenever it may use more than one thread. Each order is a correct convolution
// (it agrees with cpu-naive to rounding); only the bits change with the thread count.
#include <tbb/task_arena.h>

#include <cstdint>
#include <lumen/backend.hpp>
#include <lumen/plugin.hpp>
#include <lumen/registry.hpp>

namespace {

using I = std::int64_t;

class ThreadDependentBackend final : public lumen::Backend {
 public:
  lumen::BackendInfo info() const override {
    return {"fixture-thread-dependent-backend",
            "a convolution whose summation order follows the thread count"};
  }
  bool implements(lumen::Kernel kernel) const override {
    return kernel == lumen::Kernel::conv2d_forward;
  }
  void conv2d_forward(const lumen::Conv2dGeometry& g, const float* x, const float* w,
                      const float* bias, float* y) const override {
    const bool reversed = tbb::this_task_arena::max_concurrency() > 1;
    const I cin_g = g.in_channels / g.groups, cout_g = g.out_channels / g.groups;
    for (I n = 0; n < g.batch; ++n) {
      for (I co = 0; co < g.out_channels; ++co) {
        const I first_channel = co / cout_g * cin_g;
        for (I oh = 0; oh < g.out_h; ++oh) {
          for (I ow = 0; ow < g.out_w; ++ow) {
            float sum = 0.0F;
            for (I i = 0; i < cin_g; ++i) {
              const I ci = reversed ? cin_g - 1 - i : i;
              for (I kh = 0; kh < g.kernel_h; ++kh) {
                const I h = oh * g.stride_h - g.pad_top + kh * g.dilation_h;
                for (I kw = 0; kw < g.kernel_w; ++kw) {
                  const I v = ow * g.stride_w - g.pad_left + kw * g.dilation_w;
                  if (h < 0 || h >= g.in_h || v < 0 || v >= g.in_w) continue;
                  sum += x[((n * g.in_channels + first_channel + ci) * g.in_h + h) * g.in_w + v] *
                         w[((co * cin_g + ci) * g.kernel_h + kh) * g.kernel_w + kw];
                }
              }
            }
            y[((n * g.out_channels + co) * g.out_h + oh) * g.out_w + ow] =
                sum + (bias ? bias[co] : 0.0F);
          }
        }
      }
    }
  }
};

void fill(lumen::Registrar& r) { r.add_backend(std::make_shared<ThreadDependentBackend>()); }

}  // namespace

LUMEN_PLUGIN("fixture-thread-dependent-backend", "1.0", fill)
