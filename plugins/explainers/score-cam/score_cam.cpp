// Score-CAM (Wang et al. 2020): H_k = s(Up(A^k)) (min-max scaled to [0,1]; a constant map gives
// 0), alpha_k = S_c(x * H_k) - S_c(x_b) with the baseline x_b = 0 and S_c the softmax probability,
// L = ReLU(sum_k alpha_k A^k), upsampled bilinearly. The K masked inputs run in batches.
#include <algorithm>
#include <cmath>
#include <lumen/cam.hpp>
#include <lumen/error.hpp>
#include <lumen/explainer.hpp>
#include <lumen/model.hpp>
#include <lumen/plugin.hpp>
#include <lumen/resample.hpp>
#include <lumen/trace.hpp>
#include <vector>

namespace {

// The image `x` ([1,C,H,W]) times each of the masks [first, first + count) of `masks` ([1,K,H,W]).
lumen::Tensor masked_copies(const lumen::Tensor& x, const lumen::Tensor& masks, std::int64_t first,
                            std::int64_t count) {
  const std::int64_t channels = x.dim(1), plane = x.dim(2) * x.dim(3);
  lumen::Shape shape = x.shape();
  shape[0] = count;
  lumen::Tensor copies(shape);
  for (std::int64_t j = 0; j < count; ++j) {
    const float* mask = masks.data() + (first + j) * plane;
    for (std::int64_t c = 0; c < channels; ++c) {
      const float* in = x.data() + c * plane;
      float* out = copies.data() + (j * channels + c) * plane;
      for (std::int64_t p = 0; p < plane; ++p) out[p] = in[p] * mask[p];
    }
  }
  return copies;
}

// Min-max scales every plane of `maps` to [0,1] in place; a constant plane becomes 0.
void scale_planes(lumen::Tensor& maps) {
  const std::int64_t plane = maps.dim(2) * maps.dim(3);
  for (std::int64_t i = 0; i < maps.size(); i += plane) {
    float* p = maps.data() + i;
    const auto [low, high] = std::minmax_element(p, p + plane);
    const float min = *low, range = *high - *low;
    for (std::int64_t j = 0; j < plane; ++j) p[j] = range > 0.0F ? (p[j] - min) / range : 0.0F;
  }
}

class ScoreCam final : public lumen::Explainer {
 public:
  lumen::ExplainerInfo info() const override {
    lumen::ExplainerInfo i;
    i.name = "score-cam";
    i.family = lumen::Family::cam;
    i.summary =
        "feature maps of a layer weighted by the target score of the input masked by each "
        "upsampled, min-max scaled map";
    i.citation =
        "H. Wang et al. Score-CAM: Score-Weighted Visual Explanations for Convolutional Neural "
        "Networks. CVPR Workshops, 2020.";
    i.requirements = lumen::requires_layer_access;
    i.output = lumen::OutputSpace::layer;
    i.layer_use = lumen::LayerUse::required;
    i.signed_output = false;
    i.params = {
        {"weights",
         lumen::ParamType::choice,
         "difference",
         "difference: alpha_k = S_c(x*H_k) - S_c(x_b) (the paper); softmax: alpha = softmax "
         "over k of S_c(x*H_k), no baseline (pytorch-grad-cam, with score=logit)",
         0,
         0,
         {"difference", "softmax"}},
        {"score",
         lumen::ParamType::choice,
         "probability",
         "the score S_c: the softmax probability of the target (the paper) or its logit",
         0,
         0,
         {"probability", "logit"}},
        {"relu", lumen::ParamType::boolean, "true", "apply ReLU to the weighted sum", 0, 0, {}},
        {"batch_size",
         lumen::ParamType::integer,
         "64",
         "masked inputs per forward pass",
         1,
         1 << 20,
         {}},
    };
    return i;
  }

  lumen::Attribution explain(const lumen::ExplainRequest& request,
                             lumen::Context& context) const override {
    lumen::ExplanationMeter meter(context);
    const lumen::Model& model = request.model;
    const lumen::Tensor& input = request.input;
    lumen::check_targets(model, input, request.targets);
    const lumen::NodeId layer = lumen::cam_layer(request, "score-cam");
    const bool probability = request.params.text("score") == "probability";
    const bool softmax_weights = request.params.text("weights") == "softmax";
    const std::int64_t batch = request.params.integer("batch_size");
    const auto score_of = [&](const lumen::Tensor& logits) {
      return probability ? lumen::softmax_rows(logits) : logits;
    };
    const auto target_of = [&](std::int64_t s) {
      return request.targets[static_cast<std::size_t>(s)];
    };

    lumen::ForwardOptions options;
    options.keep_all = false;
    options.keep = {layer};
    const lumen::Trace trace = lumen::run_forward(model, input, context, options);
    const lumen::Tensor& features = trace.output(layer);
    const auto n = features.dim(0), k = features.dim(1);
    const std::int64_t classes = model.class_count();
    lumen::Tensor masks = lumen::upsample_bilinear(features, input.dim(2), input.dim(3));
    scale_planes(masks);

    // One baseline pass per image (x_b = 0), so that the passes per image do not depend on the
    // batch.
    lumen::Tensor baseline;
    if (!softmax_weights) {
      baseline = score_of(lumen::predict_logits(model, lumen::Tensor(input.shape()), context));
    }
    const std::int64_t chunks = (k + batch - 1) / batch;
    // masked[s * k + j] = S_c(x_s * H_j); one job per (sample, chunk) writing its own slots.
    std::vector<float> masked(static_cast<std::size_t>(n * k));
    context.parallel_for(n * chunks, [&](std::int64_t job) {
      const std::int64_t s = job / chunks;
      const std::int64_t first = (job % chunks) * batch;
      const std::int64_t size = std::min(batch, k - first);
      const lumen::Tensor scores = score_of(lumen::predict_logits(
          model, masked_copies(input.batch_slice(s), masks.batch_slice(s), first, size), context));
      for (std::int64_t j = 0; j < size; ++j)
        masked[static_cast<std::size_t>(s * k + first + j)] = scores[j * classes + target_of(s)];
    });

    lumen::Tensor weights({n, k});
    for (std::int64_t s = 0; s < n; ++s) {
      const float* row = masked.data() + s * k;
      float* alpha = weights.data() + s * k;
      if (softmax_weights) {
        const lumen::Tensor soft = lumen::softmax_rows(lumen::Tensor({1, k}, {row, row + k}));
        std::copy(soft.data(), soft.data() + k, alpha);
      } else {
        const float reference = baseline[s * classes + target_of(s)];
        for (std::int64_t c = 0; c < k; ++c) alpha[c] = row[c] - reference;
      }
    }
    lumen::Attribution result =
        lumen::cam_attribution(request, layer, features, weights, request.params.boolean("relu"));
    meter.finish(result);
    return result;
  }
};

void fill(lumen::Registrar& registrar) { registrar.add_explainer(std::make_shared<ScoreCam>()); }

}  // namespace

LUMEN_PLUGIN("score-cam", "0.1.0", fill)
