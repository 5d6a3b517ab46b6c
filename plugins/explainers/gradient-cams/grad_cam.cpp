// Grad-CAM (Selvaraju et al. 2017): alpha_k = mean_ij d f_c / d A^k_ij, L = ReLU(sum_k alpha_k
// A^k), upsampled bilinearly (half-pixel centres) to the input size. Raw: no min-max scaling (the
// display step does that), unlike pytorch-grad-cam, which returns the scaled map.
#include "methods.hpp"

namespace lumen::gradient_cams {

namespace {

double mean_gradient(std::span<const float>, std::span<const float> gradient) {
  double mean = 0.0;
  for (const float g : gradient) mean += g;
  return mean / static_cast<double>(gradient.size());
}

}  // namespace

GradientCamMethod grad_cam() {
  return {gradient_cam_info(
              "grad-cam",
              "feature maps of a layer weighted by the spatial mean of the target score's gradient",
              "R. R. Selvaraju et al. Grad-CAM: Visual Explanations from Deep Networks via "
              "Gradient-based Localization. ICCV, 2017.",
              {lumen::param::relu("apply ReLU to the weighted sum (the paper and pytorch-grad-cam; "
                                  "Captum's LayerGradCam default is false)")}),
          mean_gradient};
}

}  // namespace lumen::gradient_cams
