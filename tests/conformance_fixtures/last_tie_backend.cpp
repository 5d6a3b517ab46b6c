// Breaks the tie rule of max pooling (backend.hpp: ties go to the first input in scan order): its
// max_pool2d_forward gives a tie to the last. The maximum is right, only the argmax of a window
// with equal largest values differs, and with it where max_pool2d_backward sends the gradient.
#include <cstdint>
#include <limits>
#include <lumen/backend.hpp>
#include <lumen/plugin.hpp>

namespace {

using I = std::int64_t;

class LastTieBackend final : public lumen::Backend {
 public:
  lumen::BackendInfo info() const override {
    return {"fixture-last-tie-backend", "max pooling that gives ties to the last input"};
  }
  bool implements(lumen::Kernel kernel) const override {
    return kernel == lumen::Kernel::max_pool2d_forward;
  }
  void max_pool2d_forward(const lumen::Pool2dGeometry& g, const float* x, float* y,
                          std::int32_t* argmax) const override {
    for (I plane = 0; plane < g.batch * g.channels; ++plane) {
      const float* xp = x + plane * g.in_h * g.in_w;
      for (I oh = 0; oh < g.out_h; ++oh) {
        for (I ow = 0; ow < g.out_w; ++ow) {
          float best = -std::numeric_limits<float>::infinity();
          I best_index = -1;
          for (I kh = 0; kh < g.kernel_h; ++kh) {
            for (I kw = 0; kw < g.kernel_w; ++kw) {
              const I h = oh * g.stride_h - g.pad_top + kh * g.dilation_h;
              const I w = ow * g.stride_w - g.pad_left + kw * g.dilation_w;
              if (h < 0 || h >= g.in_h || w < 0 || w >= g.in_w) continue;
              if (best_index < 0 || xp[h * g.in_w + w] >= best) {
                best = xp[h * g.in_w + w];
                best_index = h * g.in_w + w;
              }
            }
          }
          const I o = (plane * g.out_h + oh) * g.out_w + ow;
          y[o] = best_index < 0 ? 0.0F : best;
          if (argmax) argmax[o] = static_cast<std::int32_t>(best_index);
        }
      }
    }
  }
};

void fill(lumen::Registrar& r) { r.add_backend(std::make_shared<LastTieBackend>()); }

}  // namespace

LUMEN_PLUGIN("fixture-last-tie-backend", "1.0", fill)
