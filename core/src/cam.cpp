#include "lumen/cam.hpp"

#include <algorithm>

#include "lumen/error.hpp"
#include "lumen/model.hpp"
#include "lumen/resample.hpp"

namespace lumen {

NodeId cam_layer(const ExplainRequest& request, std::string_view method) {
  const Model& model = request.model;
  const NodeId layer = request.layer ? *request.layer : default_spatial_layer(model);
  check_spatial_layer(model, layer);
  if (layer == model.graph().input()) {
    throw InvalidArgument(std::string(method) + " needs a layer inside the model, not its input");
  }
  return layer;
}

Attribution cam_attribution(const ExplainRequest& request, NodeId layer, const Tensor& features,
                            const Tensor& weights, bool relu) {
  if (features.rank() != 4 || weights.shape() != Shape{features.dim(0), features.dim(1)}) {
    throw ShapeError("cam_attribution: weights " + to_string(weights.shape()) +
                     " do not fit features " + to_string(features.shape()));
  }
  const auto n = features.dim(0), k = features.dim(1), h = features.dim(2), w = features.dim(3);
  const auto plane = h * w;
  Tensor cam({n, 1, h, w});
  for (std::int64_t s = 0; s < n; ++s) {
    float* out = cam.data() + s * plane;
    for (std::int64_t c = 0; c < k; ++c) {
      const float weight = weights[s * k + c];
      const float* a = features.data() + (s * k + c) * plane;
      for (std::int64_t p = 0; p < plane; ++p) out[p] += weight * a[p];
    }
    if (relu) std::for_each(out, out + plane, [](float& v) { v = std::max(v, 0.0F); });
  }
  Attribution result;
  result.map = upsample_bilinear(cam, request.input.dim(2), request.input.dim(3));
  result.layer_map = std::move(cam);
  result.layer = layer;
  result.signed_map = !relu;
  result.notes.push_back("layer: " + request.model.graph().node(layer).name);
  return result;
}

}  // namespace lumen
