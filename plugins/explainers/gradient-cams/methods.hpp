#pragma once
// The methods this plugin registers, one file each.
#include <lumen/explainer.hpp>
#include <memory>

#include "gradient_cam.hpp"

namespace lumen::gradient_cams {

GradientCamMethod grad_cam();
GradientCamMethod grad_cam_pp();
GradientCamMethod xgrad_cam();
GradientCamMethod layer_cam();
GradientCamMethod hires_cam();
/// Grad-CAM++ over noisy copies: its gradient terms are averages, so it has its own explain().
std::shared_ptr<const Explainer> make_smooth_grad_cam_pp();

}  // namespace lumen::gradient_cams
