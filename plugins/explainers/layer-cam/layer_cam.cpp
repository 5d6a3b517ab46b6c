// LayerCAM (Jiang et al. 2021): every activation is weighted by its own positive gradient,
// L = ReLU(sum_k ReLU(d f_c / d A^k_ij) A^k_ij), upsampled bilinearly (half-pixel centres) to the
// input size. Raw: no min-max scaling, unlike pytorch-grad-cam's LayerCAM, which returns the
// scaled map.
#include <algorithm>
#include <lumen/cam.hpp>
#include <lumen/error.hpp>
#include <lumen/explainer.hpp>
#include <lumen/model.hpp>
#include <lumen/plugin.hpp>
#include <lumen/propagation.hpp>

namespace {

class LayerCam final : public lumen::Explainer {
 public:
  lumen::ExplainerInfo info() const override {
    lumen::ExplainerInfo i;
    i.name = "layer-cam";
    i.family = lumen::Family::cam;
    i.summary =
        "feature maps of a layer weighted pixel by pixel by the positive part of the "
        "target score's gradient";
    i.citation =
        "P.-T. Jiang, C.-B. Zhang, Q. Hou, M.-M. Cheng, Y. Wei. LayerCAM: Exploring "
        "Hierarchical Class Activation Maps for Localization. IEEE Transactions on Image "
        "Processing, 2021.";
    i.requirements = lumen::requires_gradients | lumen::requires_layer_access;
    i.output = lumen::OutputSpace::layer;
    i.layer_use = lumen::LayerUse::required;
    i.signed_output = true;  // with relu=false
    i.params = {{"relu",
                 lumen::ParamType::boolean,
                 "true",
                 "apply ReLU to the sum over channels (the paper and pytorch-grad-cam)",
                 0,
                 0,
                 {}}};
    return i;
  }

  lumen::Attribution explain(const lumen::ExplainRequest& request,
                             lumen::Context& context) const override {
    lumen::ExplanationMeter meter(context);
    const lumen::Model& model = request.model;
    const lumen::NodeId layer = lumen::cam_layer(request, "layer-cam");
    auto run = lumen::propagate_from_targets(model, request.input, request.targets,
                                             lumen::RuleMap(lumen::gradient_rule()),
                                             lumen::StartValue::one, {layer}, context);
    const lumen::Tensor& features = run.trace.output(layer);
    const lumen::Tensor& gradients = run.signals.at(layer);
    // The per-pixel weighting as a weighted sum with unit weights of the maps ReLU(g) * A.
    lumen::Tensor weighted(features.shape());
    for (std::int64_t i = 0; i < features.size(); ++i)
      weighted[i] = std::max(gradients[i], 0.0F) * features[i];
    const lumen::Tensor ones({features.dim(0), features.dim(1)}, 1.0F);
    lumen::Attribution result =
        lumen::cam_attribution(request, layer, weighted, ones, request.params.boolean("relu"));
    meter.finish(result);
    return result;
  }
};

void fill(lumen::Registrar& registrar) { registrar.add_explainer(std::make_shared<LayerCam>()); }

}  // namespace

LUMEN_PLUGIN("layer-cam", "0.1.0", fill)
