// XGrad-CAM (Fu et al. 2020): alpha_k = sum_ij (A^k_ij / sum_ab A^k_ab) d f_c / d A^k_ij,
// L = ReLU(sum_k alpha_k A^k), upsampled bilinearly to the input size. A map summing to zero would
// divide by zero: as in pytorch-grad-cam, 1e-7 is added to the denominator.
#include "methods.hpp"

namespace lumen::gradient_cams {

namespace {

constexpr double sum_epsilon = 1e-7;

double activation_weighted_gradient(std::span<const float> map, std::span<const float> gradient) {
  double total = 0.0, weighted = 0.0;
  for (std::size_t p = 0; p < map.size(); ++p) {
    total += map[p];
    weighted += static_cast<double>(map[p]) * gradient[p];
  }
  return weighted / (total + sum_epsilon);
}

}  // namespace

GradientCamMethod xgrad_cam() {
  return {gradient_cam_info("xgrad-cam",
                            "feature maps of a layer weighted by the target score's gradient "
                            "averaged with the map's own values as weights",
                            "R. Fu, Q. Hu, X. Dong, Y. Guo, Y. Gao, B. Li. Axiom-based Grad-CAM: "
                            "Towards Accurate Visualization and Explanation of CNNs. BMVC, 2020.",
                            {lumen::param::relu("apply ReLU to the weighted sum (the paper and "
                                                "pytorch-grad-cam)")}),
          activation_weighted_gradient};
}

}  // namespace lumen::gradient_cams
