// Grad-CAM (Selvaraju et al. 2017): alpha_k = mean_ij d f_c / d A^k_ij, L = ReLU(sum_k alpha_k
// A^k), upsampled bilinearly (half-pixel centres) to the input size. Raw: no min-max scaling (the
// display step does that), unlike pytorch-grad-cam, which returns the scaled map.
#include <lumen/cam.hpp>
#include <lumen/error.hpp>
#include <lumen/explainer.hpp>
#include <lumen/model.hpp>
#include <lumen/plugin.hpp>
#include <lumen/propagation.hpp>

namespace {

class GradCam final : public lumen::Explainer {
 public:
  lumen::ExplainerInfo info() const override {
    lumen::ExplainerInfo i;
    i.name = "grad-cam";
    i.family = lumen::Family::cam;
    i.summary =
        "feature maps of a layer weighted by the spatial mean of the target score's gradient";
    i.citation =
        "R. R. Selvaraju et al. Grad-CAM: Visual Explanations from Deep Networks via "
        "Gradient-based Localization. ICCV, 2017.";
    i.requirements = lumen::requires_gradients | lumen::requires_layer_access;
    i.output = lumen::OutputSpace::layer;
    i.layer_use = lumen::LayerUse::required;
    i.signed_output = true;  // with relu=false; the default (relu) map is not (signed_map)
    i.params = {{"relu",
                 lumen::ParamType::boolean,
                 "true",
                 "apply ReLU to the weighted sum (the paper and pytorch-grad-cam; Captum's "
                 "LayerGradCam default is false)",
                 0,
                 0,
                 {}}};
    return i;
  }

  lumen::Attribution explain(const lumen::ExplainRequest& request,
                             lumen::Context& context) const override {
    lumen::ExplanationMeter meter(context);
    const lumen::Model& model = request.model;
    const lumen::NodeId layer = lumen::cam_layer(request, "grad-cam");
    auto run = lumen::propagate_from_targets(model, request.input, request.targets,
                                             lumen::RuleMap(lumen::gradient_rule()),
                                             lumen::StartValue::one, {layer}, context);
    const lumen::Tensor& features = run.trace.output(layer);
    const lumen::Tensor& gradients = run.signals.at(layer);
    const auto n = features.dim(0), k = features.dim(1);
    const auto plane = features.dim(2) * features.dim(3);
    lumen::Tensor weights({n, k});
    for (std::int64_t i = 0; i < n * k; ++i) {
      const float* g = gradients.data() + i * plane;
      double mean = 0.0;
      for (std::int64_t p = 0; p < plane; ++p) mean += g[p];
      weights[i] = static_cast<float>(mean / static_cast<double>(plane));
    }
    lumen::Attribution result =
        lumen::cam_attribution(request, layer, features, weights, request.params.boolean("relu"));
    meter.finish(result);
    return result;
  }
};

void fill(lumen::Registrar& registrar) { registrar.add_explainer(std::make_shared<GradCam>()); }

}  // namespace

LUMEN_PLUGIN("grad-cam", "0.1.0", fill)
