// Guided Grad-CAM (Selvaraju et al. 2017): guided backpropagation times the Grad-CAM map upsampled
// to the input, broadcast over the input's channels, as Captum's GuidedGradCam. Both factors are
// the registered explainers "guided-backprop" and "grad-cam", looked up by name.
#include <lumen/cam.hpp>
#include <lumen/error.hpp>
#include <lumen/explainer.hpp>
#include <lumen/explainer_info.hpp>
#include <lumen/model.hpp>
#include <lumen/plugin.hpp>
#include <lumen/registry.hpp>

namespace {

class GuidedGradCam final : public lumen::Explainer {
 public:
  explicit GuidedGradCam(const lumen::Registry& registry) : registry_(registry) {}

  lumen::ExplainerInfo info() const override {
    lumen::ExplainerInfo i = lumen::gradient_info(
        "guided-grad-cam",
        "guided backpropagation weighted by the upsampled Grad-CAM map of a layer",
        "R. R. Selvaraju et al. Grad-CAM: Visual Explanations from Deep Networks via "
        "Gradient-based Localization. ICCV, 2017.",
        {lumen::param::relu("apply ReLU to the Grad-CAM map (passed to grad-cam)")});
    i.requirements |= lumen::requires_layer_access;
    i.layer_use = lumen::LayerUse::required;
    return i;
  }

 protected:
  lumen::Attribution compute(const lumen::ExplainRequest& request,
                             lumen::Context& context) const override {
    const lumen::NodeId layer = lumen::cam_layer(request);
    lumen::Attribution result = run("guided-backprop", {}, request, std::nullopt, context);
    const std::string relu = request.params.boolean("relu") ? "true" : "false";
    const lumen::Attribution cam = run("grad-cam", {{"relu", relu}}, request, layer, context);
    multiply_broadcast(result.map, cam.map);
    result.components.insert(result.components.end(), cam.components.begin(), cam.components.end());
    result.components.push_back({"explainer", "guided-backprop"});
    result.components.push_back({"explainer", "grad-cam"});
    result.layer = layer;
    result.notes.push_back("layer: " + request.model.graph().node(layer).name);
    return result;
  }

 private:
  lumen::Attribution run(const std::string& name, const std::map<std::string, std::string>& given,
                         const lumen::ExplainRequest& request, std::optional<lumen::NodeId> layer,
                         lumen::Context& context) const {
    const auto explainer = registry_.explainer(name);
    const lumen::Params params = lumen::Params::validate(explainer->info().params, given, name);
    return explainer->explain({request.model, request.input, request.targets, params, layer},
                              context);
  }

  // map [N,C,H,W] *= cam [N,1,H,W], the same cam value for every channel.
  static void multiply_broadcast(lumen::Tensor& map, const lumen::Tensor& cam) {
    const auto n = map.dim(0), c = map.dim(1), plane = map.dim(2) * map.dim(3);
    for (std::int64_t s = 0; s < n; ++s) {
      const float* weight = cam.data() + s * plane;
      for (std::int64_t k = 0; k < c; ++k) {
        float* out = map.data() + (s * c + k) * plane;
        for (std::int64_t p = 0; p < plane; ++p) out[p] *= weight[p];
      }
    }
  }

  const lumen::Registry& registry_;
};

void fill(lumen::Registrar& registrar) {
  registrar.add_explainer(std::make_shared<GuidedGradCam>(registrar.registry()));
}

}  // namespace

LUMEN_PLUGIN("guided-grad-cam", "0.1.0", fill)
