#pragma once
// The skeleton the gradient CAMs share: pick the layer (cam_layer), propagate the target's gradient
// to it, weigh its feature maps A, and turn them into the Attribution (cam_attribution). A method
// is its info() and its weighting.
#include <lumen/explainer.hpp>
#include <memory>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace lumen::gradient_cams {

/// One weight per feature map, from the map A^k and the target's gradient G^k on it (h*w values
/// each, row-major): the CAM is sum_k w_k A^k.
using ChannelWeight = double (*)(std::span<const float> map, std::span<const float> gradient);

/// One weight per activation, from its gradient: the map is sum_k weight(G^k_ij) A^k_ij.
using PixelWeight = float (*)(float gradient);

/// A gradient CAM: what its info() says and how it weighs the feature maps.
struct GradientCamMethod {
  ExplainerInfo info;
  std::variant<ChannelWeight, PixelWeight> weighting;
};

/// What every CAM of this plugin declares: cam_info's, and gradients.
ExplainerInfo gradient_cam_info(std::string name, std::string summary, std::string citation,
                                std::vector<ParamSpec> params);

/// The explainer that runs `method` through the skeleton.
std::shared_ptr<const Explainer> make_gradient_cam(GradientCamMethod method);

}  // namespace lumen::gradient_cams
