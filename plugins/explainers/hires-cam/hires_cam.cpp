// HiResCAM (Draelos & Carin 2020): every activation is weighted by its own gradient,
// L = ReLU(sum_k d f_c / d A^k_ij * A^k_ij), upsampled bilinearly (half-pixel centres) to the input
// size. The ReLU is pytorch-grad-cam's (its BaseCAM clamps every method's map at 0); relu=false
// keeps the signed sum. Raw: no min-max scaling.
#include <lumen/cam.hpp>
#include <lumen/error.hpp>
#include <lumen/explainer.hpp>
#include <lumen/model.hpp>
#include <lumen/plugin.hpp>
#include <lumen/propagation.hpp>

namespace {

class HiResCam final : public lumen::Explainer {
 public:
  lumen::ExplainerInfo info() const override {
    lumen::ExplainerInfo i;
    i.name = "hires-cam";
    i.family = lumen::Family::cam;
    i.summary =
        "feature maps of a layer multiplied element-wise by the target score's gradient "
        "and summed over channels";
    i.citation =
        "R. L. Draelos, L. Carin. Use HiResCAM instead of Grad-CAM for faithful explanations of "
        "convolutional neural networks. arXiv:2011.08891, 2020.";
    i.requirements = lumen::requires_gradients | lumen::requires_layer_access;
    i.output = lumen::OutputSpace::layer;
    i.layer_use = lumen::LayerUse::required;
    i.signed_output = true;  // with relu=false
    i.params = {{"relu",
                 lumen::ParamType::boolean,
                 "true",
                 "apply ReLU to the sum over channels (pytorch-grad-cam)",
                 0,
                 0,
                 {}}};
    return i;
  }

  lumen::Attribution explain(const lumen::ExplainRequest& request,
                             lumen::Context& context) const override {
    lumen::ExplanationMeter meter(context);
    const lumen::Model& model = request.model;
    const lumen::NodeId layer = lumen::cam_layer(request, "hires-cam");
    auto run = lumen::propagate_from_targets(model, request.input, request.targets,
                                             lumen::RuleMap(lumen::gradient_rule()),
                                             lumen::StartValue::one, {layer}, context);
    const lumen::Tensor& features = run.trace.output(layer);
    const lumen::Tensor& gradients = run.signals.at(layer);
    // The element-wise product as a weighted sum with unit weights of the maps g * A.
    lumen::Tensor weighted(features.shape());
    for (std::int64_t i = 0; i < features.size(); ++i) weighted[i] = gradients[i] * features[i];
    const lumen::Tensor ones({features.dim(0), features.dim(1)}, 1.0F);
    lumen::Attribution result =
        lumen::cam_attribution(request, layer, weighted, ones, request.params.boolean("relu"));
    meter.finish(result);
    return result;
  }
};

void fill(lumen::Registrar& registrar) { registrar.add_explainer(std::make_shared<HiResCam>()); }

}  // namespace

LUMEN_PLUGIN("hires-cam", "0.1.0", fill)
