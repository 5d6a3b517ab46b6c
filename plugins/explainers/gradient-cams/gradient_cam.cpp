#include "gradient_cam.hpp"

#include <lumen/cam.hpp>
#include <lumen/model.hpp>
#include <utility>

namespace lumen::gradient_cams {

namespace {

class GradientCam final : public Explainer {
 public:
  explicit GradientCam(GradientCamMethod method) : method_(std::move(method)) {}

  ExplainerInfo info() const override { return method_.info; }

 protected:
  Attribution compute(const ExplainRequest& request, Context& context) const override {
    const NodeId layer = cam_layer(request);
    const LayerGradients run = layer_gradients(request, layer, context);
    const Tensor& features = run.features;
    const Tensor& gradients = run.gradients;
    const bool relu = request.params.boolean("relu");
    Attribution result =
        std::holds_alternative<ChannelWeight>(method_.weighting)
            ? cam_attribution(request, layer, features, channel_weights(features, gradients), relu)
            : pixel_weighted(request, layer, features, gradients, relu);
    return result;
  }

 private:
  // One weight per feature map: [N,K].
  Tensor channel_weights(const Tensor& features, const Tensor& gradients) const {
    const ChannelWeight weight = std::get<ChannelWeight>(method_.weighting);
    const auto plane = static_cast<std::size_t>(features.dim(2) * features.dim(3));
    Tensor weights({features.dim(0), features.dim(1)});
    for (std::int64_t i = 0; i < weights.size(); ++i) {
      const auto offset = static_cast<std::size_t>(i) * plane;
      weights[i] = static_cast<float>(
          weight({features.data() + offset, plane}, {gradients.data() + offset, plane}));
    }
    return weights;
  }

  // Per-pixel weights as a weighted sum with unit weights of the maps weight(G) * A.
  Attribution pixel_weighted(const ExplainRequest& request, NodeId layer, const Tensor& features,
                             const Tensor& gradients, bool relu) const {
    const PixelWeight weight = std::get<PixelWeight>(method_.weighting);
    Tensor weighted(features.shape());
    for (std::int64_t i = 0; i < features.size(); ++i)
      weighted[i] = weight(gradients[i]) * features[i];
    const Tensor ones({features.dim(0), features.dim(1)}, 1.0F);
    return cam_attribution(request, layer, weighted, ones, relu);
  }

  GradientCamMethod method_;
};

}  // namespace

ExplainerInfo gradient_cam_info(std::string name, std::string summary, std::string citation,
                                std::vector<ParamSpec> params) {
  ExplainerInfo i =
      cam_info(std::move(name), std::move(summary), std::move(citation), std::move(params));
  i.requirements |= requires_gradients;
  return i;
}

std::shared_ptr<const Explainer> make_gradient_cam(GradientCamMethod method) {
  return std::make_shared<GradientCam>(std::move(method));
}

}  // namespace lumen::gradient_cams
