// FEM, the Feature Explanation Method (Fuad et al. 2020): one forward pass to a layer; per feature
// map A^k its mean mu_k and population standard deviation sigma_k, the K-sigma mask
// B_k = [A^k >= mu_k + K sigma_k] and the weight w_k = mu_k; L = sum_k w_k B_k, upsampled
// bilinearly. Class-agnostic: the target is not used. Raw: the paper's normalisation s(.) is a
// display step and is not applied.
#include <cmath>
#include <lumen/cam.hpp>
#include <lumen/explainer.hpp>
#include <lumen/model.hpp>
#include <lumen/plugin.hpp>
#include <lumen/trace.hpp>

namespace {

class Fem final : public lumen::Explainer {
 public:
  lumen::ExplainerInfo info() const override {
    return lumen::cam_info(
        "fem",
        "feature maps of a layer thresholded by the K-sigma rule and weighted by their means "
        "(class-agnostic, one forward pass)",
        "K. A. A. Fuad, P.-E. Martin, R. Giot, R. Bourqui, J. Benois-Pineau, A. Zemmari. Features "
        "Understanding in 3D CNNs for Actions Recognition in Video. IPTA, 2020.",
        {lumen::param::real("k", 1.0,
                            "K of the K-sigma rule: a feature map is kept where it is at least its "
                            "mean plus K standard deviations")
             .within(-100.0, 100.0)});
  }

 protected:
  lumen::Attribution compute(const lumen::ExplainRequest& request,
                             lumen::Context& context) const override {
    const lumen::Model& model = request.model;
    const lumen::NodeId layer = lumen::cam_layer(request);
    const lumen::Tensor features = lumen::node_output(model, request.input, layer, context);
    const double k_sigma = request.params.real("k");
    const auto planes = features.dim(0) * features.dim(1);
    const auto plane = features.dim(2) * features.dim(3);
    lumen::Tensor masks(features.shape());
    lumen::Tensor weights({features.dim(0), features.dim(1)});
    for (std::int64_t i = 0; i < planes; ++i) {
      const float* a = features.data() + i * plane;
      double mean = 0.0;
      for (std::int64_t p = 0; p < plane; ++p) mean += a[p];
      mean /= static_cast<double>(plane);
      double variance = 0.0;
      for (std::int64_t p = 0; p < plane; ++p) variance += (a[p] - mean) * (a[p] - mean);
      const double threshold = mean + k_sigma * std::sqrt(variance / static_cast<double>(plane));
      float* b = masks.data() + i * plane;
      for (std::int64_t p = 0; p < plane; ++p) b[p] = a[p] >= threshold ? 1.0F : 0.0F;
      weights[i] = static_cast<float>(mean);
    }
    lumen::Attribution result = lumen::cam_attribution(request, layer, masks, weights, false);
    result.notes.push_back("class-agnostic: the same map for every target");
    return result;
  }
};

void fill(lumen::Registrar& registrar) { registrar.add_explainer(std::make_shared<Fem>()); }

}  // namespace

LUMEN_PLUGIN("fem", "0.1.0", fill)
