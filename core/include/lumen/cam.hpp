#pragma once
/// What class-activation-map methods share: the layer they work at, and turning one weight per
/// feature map into the Attribution L = (ReLU) sum_k w_k A^k. Each CAM method only computes its
/// weights. Thread-safe (pure functions).
#include <string_view>

#include "lumen/explainer.hpp"

namespace lumen {

/// The request's layer, else default_spatial_layer; checked to output a spatial map and not to be
/// the model's input. Throws InvalidArgument naming `method` and the node.
LUMEN_API NodeId cam_layer(const ExplainRequest& request, std::string_view method);

/// The map L[n] = sum_k weights[n,k] * features[n,k] (features [N,K,h,w], weights [N,K]), then
/// ReLU when `relu`, as an Attribution: layer_map [N,1,h,w], map upsampled bilinearly to the
/// input's H,W, layer, signed_map = !relu and a note naming the layer. Passes and time are the
/// caller's (ExplanationMeter).
LUMEN_API Attribution cam_attribution(const ExplainRequest& request, NodeId layer,
                                      const Tensor& features, const Tensor& weights, bool relu);

}  // namespace lumen
