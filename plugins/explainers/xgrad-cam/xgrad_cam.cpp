// XGrad-CAM (Fu et al. 2020): alpha_k = sum_ij (A^k_ij / sum_ab A^k_ab) d f_c / d A^k_ij,
// L = ReLU(sum_k alpha_k A^k), upsampled bilinearly to the input size. A map summing to zero would
// divide by zero: as in pytorch-grad-cam, 1e-7 is added to the denominator.
#include <lumen/cam.hpp>
#include <lumen/error.hpp>
#include <lumen/explainer.hpp>
#include <lumen/model.hpp>
#include <lumen/plugin.hpp>
#include <lumen/propagation.hpp>

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
    const lumen::NodeId layer = lumen::cam_layer(request, "xgrad-cam");
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
      const float* a = features.data() + i * plane;
      double total = 0.0, weighted = 0.0;
      for (std::int64_t p = 0; p < plane; ++p) {
        total += a[p];
        weighted += static_cast<double>(a[p]) * g[p];
      }
      weights[i] = static_cast<float>(weighted / (total + sum_epsilon));
    }
    lumen::Attribution result =
        lumen::cam_attribution(request, layer, features, weights, request.params.boolean("relu"));
    meter.finish(result);
    return result;
  }
};

void fill(lumen::Registrar& registrar) { registrar.add_explainer(std::make_shared<XGradCam>()); }

}  // namespace

LUMEN_PLUGIN("xgrad-cam", "0.1.0", fill)
