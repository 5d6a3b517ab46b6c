// The gradient CAMs: Grad-CAM and the variants that differ from it only in how they weigh the
// feature maps of the layer (ARCHITECTURE.md: a plugin may register such a small family).
#include <lumen/plugin.hpp>

#include "methods.hpp"

namespace {

void fill(lumen::Registrar& registrar) {
  using namespace lumen::gradient_cams;
  for (const auto method : {grad_cam, grad_cam_pp, xgrad_cam, layer_cam, hires_cam})
    registrar.add_explainer(make_gradient_cam(method()));
  registrar.add_explainer(make_smooth_grad_cam_pp());
}

}  // namespace

LUMEN_PLUGIN("gradient-cams", "0.1.0", fill)
