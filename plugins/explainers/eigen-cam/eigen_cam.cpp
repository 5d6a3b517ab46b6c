// Eigen-CAM (Muhammad & Yeasin 2020): the feature maps of a layer projected onto their first
// principal component. Per sample, the maps [K,h,w] become X [h*w, K] (a row per pixel), each
// column minus its mean; L = X v with v the first right singular vector of X, then ReLU,
// upsampled bilinearly. Class-agnostic: one forward pass, no gradient; the targets are checked
// but do not change the map.
//
// Note [Eigen-CAM orientation]: v is defined up to its sign, and pytorch-grad-cam leaves the sign
// to its SVD routine. We orient v so that sum_k v_k > 0, which is the same as making L correlate
// positively with the channel-mean map (sum_p L_p mean_k A^k_p = sigma^2 sum_k v_k / K); a zero sum
// falls back to making the largest |v_k| (first such k) positive.
#include <Eigen/Dense>
#include <Eigen/SVD>
#include <cmath>
#include <lumen/cam.hpp>
#include <lumen/error.hpp>
#include <lumen/explainer.hpp>
#include <lumen/model.hpp>
#include <lumen/plugin.hpp>
#include <lumen/trace.hpp>

namespace {

// Writes the oriented first-principal-component projection of `maps` (K planes of `plane`
// values) to `out` (`plane` values).
void project(const float* maps, std::int64_t k, std::int64_t plane, float* out) {
  Eigen::MatrixXd x(plane, k);
  for (std::int64_t c = 0; c < k; ++c)
    for (std::int64_t p = 0; p < plane; ++p) x(p, c) = maps[c * plane + p];
  x.rowwise() -= x.colwise().mean();
  const Eigen::BDCSVD<Eigen::MatrixXd> svd(x, Eigen::ComputeThinV);
  Eigen::VectorXd v = svd.matrixV().col(0);
  const double total = v.sum();
  Eigen::Index largest = 0;
  v.cwiseAbs().maxCoeff(&largest);
  if (total < 0.0 || (total == 0.0 && v(largest) < 0.0)) v = -v;
  const Eigen::VectorXd projection = x * v;
  for (std::int64_t p = 0; p < plane; ++p) out[p] = static_cast<float>(projection(p));
}

class EigenCam final : public lumen::Explainer {
 public:
  lumen::ExplainerInfo info() const override {
    return lumen::cam_info(
        "eigen-cam",
        "feature maps of a layer projected onto their first principal component (class-agnostic, "
        "no gradient)",
        "M. B. Muhammad, M. Yeasin. Eigen-CAM: Class Activation Map using Principal Components. "
        "International Joint Conference on Neural Networks (IJCNN), 2020.",
        {lumen::param::relu("apply ReLU to the projection (pytorch-grad-cam)")});
  }

 protected:
  lumen::Attribution compute(const lumen::ExplainRequest& request,
                             lumen::Context& context) const override {
    const lumen::Model& model = request.model;
    const lumen::NodeId layer = lumen::cam_layer(request);
    const lumen::Tensor features = lumen::node_output(model, request.input, layer, context);
    const auto n = features.dim(0), k = features.dim(1);
    const auto plane = features.dim(2) * features.dim(3);
    lumen::Tensor projections({n, 1, features.dim(2), features.dim(3)});
    context.parallel_for(n, [&](std::int64_t s) {
      project(features.data() + s * k * plane, k, plane, projections.data() + s * plane);
    });
    const lumen::Tensor ones({n, 1}, 1.0F);
    lumen::Attribution result =
        lumen::cam_attribution(request, layer, projections, ones, request.params.boolean("relu"));
    result.notes.push_back("class-agnostic: the target does not change the map");
    return result;
  }
};

void fill(lumen::Registrar& registrar) { registrar.add_explainer(std::make_shared<EigenCam>()); }

}  // namespace

LUMEN_PLUGIN("eigen-cam", "0.1.0", fill)
