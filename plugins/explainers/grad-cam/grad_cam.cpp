// Grad-CAM (Selvaraju et al. 2017): alpha_k = mean_ij d f_c / d A^k_ij, L = ReLU(sum_k alpha_k
// A^k), upsampled bilinearly (half-pixel centres) to the input size. Raw: no min-max scaling (the
// display step does that), unlike pytorch-grad-cam, which returns the scaled map.
#include <lumen/error.hpp>
#include <lumen/explainer.hpp>
#include <lumen/model.hpp>
#include <lumen/plugin.hpp>
#include <lumen/propagation.hpp>
#include <lumen/resample.hpp>

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
    const lumen::NodeId layer =
        request.layer ? *request.layer : lumen::default_spatial_layer(model);
    lumen::check_spatial_layer(model, layer);
    if (layer == model.graph().input()) {
      throw lumen::InvalidArgument("grad-cam needs a layer inside the model, not its input");
    }
    auto run = lumen::propagate_from_targets(model, request.input, request.targets,
                                             lumen::RuleMap(lumen::gradient_rule()),
                                             lumen::StartValue::one, {layer}, context);
    const lumen::Tensor& features = run.trace.output(layer);
    const lumen::Tensor& gradients = run.signals.at(layer);
    const auto n = features.dim(0), k = features.dim(1), h = features.dim(2), w = features.dim(3);
    const auto plane = h * w;
    const bool relu = request.params.boolean("relu");
    lumen::Tensor cam({n, 1, h, w});
    for (std::int64_t s = 0; s < n; ++s) {
      for (std::int64_t c = 0; c < k; ++c) {
        const float* g = gradients.data() + (s * k + c) * plane;
        const float* a = features.data() + (s * k + c) * plane;
        double mean = 0.0;
        for (std::int64_t p = 0; p < plane; ++p) mean += g[p];
        const auto alpha = static_cast<float>(mean / static_cast<double>(plane));
        float* out = cam.data() + s * plane;
        for (std::int64_t p = 0; p < plane; ++p) out[p] += alpha * a[p];
      }
      if (relu) {
        for (std::int64_t p = 0; p < plane; ++p)
          cam[s * plane + p] = std::max(cam[s * plane + p], 0.0F);
      }
    }
    lumen::Attribution result;
    result.map = lumen::upsample_bilinear(cam, request.input.dim(2), request.input.dim(3));
    result.layer_map = std::move(cam);
    result.layer = layer;
    result.signed_map = !relu;
    result.notes.push_back("layer: " + model.graph().node(layer).name);
    meter.finish(result);
    return result;
  }
};

void fill(lumen::Registrar& registrar) { registrar.add_explainer(std::make_shared<GradCam>()); }

}  // namespace

LUMEN_PLUGIN("grad-cam", "0.1.0", fill)
