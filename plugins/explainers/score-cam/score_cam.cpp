// Score-CAM (Wang et al. 2020): H_k = s(Up(A^k)) (min-max scaled to [0,1]; a constant map gives
// 0), alpha_k = S_c(x * H_k) - S_c(x_b) with the baseline x_b = 0 and S_c the softmax probability,
// L = ReLU(sum_k alpha_k A^k), upsampled bilinearly. The K masked inputs run in batches, each batch
// making its own masks, so memory does not grow with K.
#include <algorithm>
#include <lumen/cam.hpp>
#include <lumen/error.hpp>
#include <lumen/explainer.hpp>
#include <lumen/model.hpp>
#include <lumen/plugin.hpp>
#include <lumen/trace.hpp>

namespace {

class ScoreCam final : public lumen::Explainer {
 public:
  lumen::ExplainerInfo info() const override {
    lumen::ExplainerInfo i = lumen::cam_info(
        "score-cam",
        "feature maps of a layer weighted by the target score of the input masked by each "
        "upsampled, min-max scaled map",
        "H. Wang et al. Score-CAM: Score-Weighted Visual Explanations for Convolutional Neural "
        "Networks. CVPR Workshops, 2020.",
        {
            lumen::param::choice(
                "weights", "difference", {"difference", "softmax"},
                "difference: alpha_k = S_c(x*H_k) - S_c(x_b) (the paper); softmax: alpha = softmax "
                "over k of S_c(x*H_k), no baseline (pytorch-grad-cam, with score=logit)"),
            lumen::param::mask_score(
                lumen::MaskScore::probability,
                "the score S_c: the softmax probability of the target (the paper) or its logit"),
            lumen::param::relu("apply ReLU to the weighted sum"),
            lumen::param::batch_size("masked inputs per forward pass"),
        });
    i.signed_output = false;
    return i;
  }

 protected:
  lumen::Attribution compute(const lumen::ExplainRequest& request,
                             lumen::Context& context) const override {
    const lumen::Model& model = request.model;
    const lumen::Tensor& input = request.input;
    const lumen::NodeId layer = lumen::cam_layer(request);
    const lumen::MaskScore score = lumen::mask_score(request.params);
    const bool softmax_weights = request.params.text("weights") == "softmax";

    const lumen::Tensor features = lumen::node_output(model, input, layer, context);
    const auto n = features.dim(0), k = features.dim(1);
    const std::int64_t classes = model.class_count();
    // The masks H_k are made batch by batch from a copy of the (low-resolution) feature maps.
    const lumen::MaskSource masks =
        lumen::upsampled_unit_masks(features, input.dim(2), input.dim(3));

    // One baseline pass per image (x_b = 0), so that the passes per image do not depend on the
    // batch.
    lumen::Tensor baseline;
    if (!softmax_weights) {
      baseline = lumen::predict_logits(model, lumen::Tensor(input.shape()), context);
      if (score == lumen::MaskScore::probability) baseline = lumen::softmax_rows(baseline);
    }
    const lumen::Tensor masked = lumen::masked_scores(
        model, input, masks, request.targets, score, request.params.integer("batch_size"), context);

    lumen::Tensor weights({n, k});
    for (std::int64_t s = 0; s < n; ++s) {
      const float* row = masked.data() + s * k;
      float* alpha = weights.data() + s * k;
      if (softmax_weights) {
        const lumen::Tensor soft = lumen::softmax_rows(lumen::Tensor({1, k}, {row, row + k}));
        std::copy(soft.data(), soft.data() + k, alpha);
      } else {
        const float reference =
            baseline[s * classes + request.targets[static_cast<std::size_t>(s)]];
        for (std::int64_t c = 0; c < k; ++c) alpha[c] = row[c] - reference;
      }
    }
    lumen::Attribution result =
        lumen::cam_attribution(request, layer, features, weights, request.params.boolean("relu"));
    return result;
  }
};

void fill(lumen::Registrar& registrar) { registrar.add_explainer(std::make_shared<ScoreCam>()); }

}  // namespace

LUMEN_PLUGIN("score-cam", "0.1.0", fill)
