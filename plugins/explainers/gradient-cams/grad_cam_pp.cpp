// Grad-CAM++ (Chattopadhay et al. 2018) in pytorch-grad-cam's form: with an exponential output
// the second and third derivatives are powers of the gradient g, so
// a_ij = g^2 / (2 g^2 + (sum_ab A_ab) g^3 + 1e-6) (0 where g = 0), w_k = sum_ij a_ij ReLU(g_ij),
// L = ReLU(sum_k w_k A^k), upsampled bilinearly to the input size.
#include "methods.hpp"

namespace lumen::gradient_cams {

namespace {

constexpr double denominator_epsilon = 1e-6;

double positive_gradients_weighted(std::span<const float> map, std::span<const float> gradient) {
  double total = 0.0;
  for (const float a : map) total += a;
  double weight = 0.0;
  for (const float g : gradient) {
    const double g1 = g;
    if (g1 <= 0.0) continue;  // a_ij is 0 where g = 0 and ReLU(g) is 0 where g < 0
    const double g2 = g1 * g1;
    weight += g2 / (2.0 * g2 + total * g2 * g1 + denominator_epsilon) * g1;
  }
  return weight;
}

}  // namespace

GradientCamMethod grad_cam_pp() {
  return {gradient_cam_info("grad-cam-pp",
                            "feature maps of a layer weighted by the positive gradients, each "
                            "with a per-pixel weight from higher-order derivatives",
                            "A. Chattopadhay, A. Sarkar, P. Howlader, V. N. Balasubramanian. "
                            "Grad-CAM++: Generalized Gradient-Based Visual Explanations for Deep "
                            "Convolutional Networks. WACV, 2018.",
                            {lumen::param::relu("apply ReLU to the weighted sum (the paper and "
                                                "pytorch-grad-cam)")}),
          positive_gradients_weighted};
}

}  // namespace lumen::gradient_cams
