// HiResCAM (Draelos & Carin 2020): every activation is weighted by its own gradient,
// L = ReLU(sum_k d f_c / d A^k_ij * A^k_ij), upsampled bilinearly (half-pixel centres) to the input
// size. The ReLU is pytorch-grad-cam's (its BaseCAM clamps every method's map at 0); relu=false
// keeps the signed sum. Raw: no min-max scaling.
#include "methods.hpp"

namespace lumen::gradient_cams {

namespace {

float gradient_itself(float gradient) { return gradient; }

}  // namespace

GradientCamMethod hires_cam() {
  return {gradient_cam_info(
              "hires-cam",
              "feature maps of a layer multiplied element-wise by the target "
              "score's gradient and summed over channels",
              "R. L. Draelos, L. Carin. Use HiResCAM instead of Grad-CAM for "
              "faithful explanations of convolutional neural networks. "
              "arXiv:2011.08891, 2020.",
              {lumen::param::relu("apply ReLU to the sum over channels (pytorch-grad-cam)")}),
          gradient_itself};
}

}  // namespace lumen::gradient_cams
