// XGrad-CAM (Fu et al. 2020): alpha_k = sum_ij (A^k_ij / sum_ab A^k_ab) d f_c / d A^k_ij,
// L = ReLU(sum_k alpha_k A^k), upsampled bilinearly to the input size. A map summing to zero would
// divide by zero: as in pytorch-grad-cam, 1e-7 is added to the denominator.
#include <algorithm>
#include <lumen/error.hpp>
#include <lumen/explainer.hpp>
#include <lumen/model.hpp>
#include <lumen/plugin.hpp>
#include <lumen/propagation.hpp>
#include <lumen/resample.hpp>

namespace {

constexpr double sum_epsilon = 1e-7;

class XGradCam final : public lumen::Explainer {
 public:
  lumen::ExplainerInfo info() const override {
    lumen::ExplainerInfo i;
    i.name = "xgrad-cam";
    i.family = lumen::Family::cam;
    i.summary =
        "feature maps of a layer weighted by the target score's gradient averaged with the "
        "map's own values as weights";
    i.citation =
        "R. Fu, Q. Hu, X. Dong, Y. Guo, Y. Gao, B. Li. Axiom-based Grad-CAM: Towards Accurate "
        "Visualization and Explanation of CNNs. BMVC, 2020.";
    i.requirements = lumen::requires_gradients | lumen::requires_layer_access;
    i.output = lumen::OutputSpace::layer;
    i.layer_use = lumen::LayerUse::required;
    i.signed_output = true;
    i.params = {{"relu",
                 lumen::ParamType::boolean,
                 "true",
                 "apply ReLU to the weighted sum (the paper and pytorch-grad-cam)",
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
      throw lumen::InvalidArgument("xgrad-cam needs a layer inside the model, not its input");
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
      float* out = cam.data() + s * plane;
      for (std::int64_t c = 0; c < k; ++c) {
        const float* g = gradients.data() + (s * k + c) * plane;
        const float* a = features.data() + (s * k + c) * plane;
        double total = 0.0, weighted = 0.0;
        for (std::int64_t p = 0; p < plane; ++p) {
          total += a[p];
          weighted += static_cast<double>(a[p]) * g[p];
        }
        const auto alpha = static_cast<float>(weighted / (total + sum_epsilon));
        for (std::int64_t p = 0; p < plane; ++p) out[p] += alpha * a[p];
      }
      if (relu) {
        for (std::int64_t p = 0; p < plane; ++p) out[p] = std::max(out[p], 0.0F);
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

void fill(lumen::Registrar& registrar) { registrar.add_explainer(std::make_shared<XGradCam>()); }

}  // namespace

LUMEN_PLUGIN("xgrad-cam", "0.1.0", fill)
