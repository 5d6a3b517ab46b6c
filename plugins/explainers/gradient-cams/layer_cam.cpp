// LayerCAM (Jiang et al. 2021): every activation is weighted by its own positive gradient,
// L = ReLU(sum_k ReLU(d f_c / d A^k_ij) A^k_ij), upsampled bilinearly (half-pixel centres) to the
// input size. Raw: no min-max scaling, unlike pytorch-grad-cam's LayerCAM, which returns the
// scaled map.
#include <algorithm>

#include "methods.hpp"

namespace lumen::gradient_cams {

namespace {

float positive_part(float gradient) { return std::max(gradient, 0.0F); }

}  // namespace

GradientCamMethod layer_cam() {
  return {
      gradient_cam_info("layer-cam",
                        "feature maps of a layer weighted pixel by pixel by the positive "
                        "part of the target score's gradient",
                        "P.-T. Jiang, C.-B. Zhang, Q. Hou, M.-M. Cheng, Y. Wei. LayerCAM: "
                        "Exploring Hierarchical Class Activation Maps for Localization. IEEE "
                        "Transactions on Image Processing, 2021.",
                        {lumen::param::relu("apply ReLU to the sum over channels (the paper and "
                                            "pytorch-grad-cam)")}),
      positive_part};
}

}  // namespace lumen::gradient_cams
