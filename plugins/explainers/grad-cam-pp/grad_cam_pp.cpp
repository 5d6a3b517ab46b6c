// Grad-CAM++ (Chattopadhay et al. 2018) in pytorch-grad-cam's form: with an exponential output
// the second and third derivatives are powers of the gradient g, so
// a_ij = g^2 / (2 g^2 + (sum_ab A_ab) g^3 + 1e-6) (0 where g = 0), w_k = sum_ij a_ij ReLU(g_ij),
// L = ReLU(sum_k w_k A^k), upsampled bilinearly to the input size.
#include <lumen/cam.hpp>
#include <lumen/error.hpp>
#include <lumen/explainer.hpp>
#include <lumen/model.hpp>
#include <lumen/plugin.hpp>
#include <lumen/propagation.hpp>

namespace {

constexpr double denominator_epsilon = 1e-6;

class GradCamPp final : public lumen::Explainer {
 public:
  lumen::ExplainerInfo info() const override {
    lumen::ExplainerInfo i;
    i.name = "grad-cam-pp";
    i.family = lumen::Family::cam;
    i.summary =
        "feature maps of a layer weighted by the positive gradients, each with a per-pixel "
        "weight from higher-order derivatives";
    i.citation =
        "A. Chattopadhay, A. Sarkar, P. Howlader, V. N. Balasubramanian. Grad-CAM++: "
        "Generalized Gradient-Based Visual Explanations for Deep Convolutional Networks. WACV, "
        "2018.";
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
    const lumen::NodeId layer = lumen::cam_layer(request, "grad-cam-pp");
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
      double total = 0.0;
      for (std::int64_t p = 0; p < plane; ++p) total += a[p];
      double weight = 0.0;
      for (std::int64_t p = 0; p < plane; ++p) {
        const double g1 = g[p];
        if (g1 <= 0.0) continue;  // a_ij is 0 where g = 0 and ReLU(g) is 0 where g < 0
        const double g2 = g1 * g1;
        weight += g2 / (2.0 * g2 + total * g2 * g1 + denominator_epsilon) * g1;
      }
      weights[i] = static_cast<float>(weight);
    }
    lumen::Attribution result =
        lumen::cam_attribution(request, layer, features, weights, request.params.boolean("relu"));
    meter.finish(result);
    return result;
  }
};

void fill(lumen::Registrar& registrar) { registrar.add_explainer(std::make_shared<GradCamPp>()); }

}  // namespace

LUMEN_PLUGIN("grad-cam-pp", "0.1.0", fill)
