// Ablation-CAM (Desai & Ramaswamy 2020): alpha_k = (S_c - S_c,k) / S_c, where S_c,k is the target
// score with feature map A^k set to zero, L = ReLU(sum_k alpha_k A^k), upsampled bilinearly. Only
// the layers after the target layer run again (run_head), the K ablated copies batched.
#include <algorithm>
#include <lumen/batching.hpp>
#include <lumen/cam.hpp>
#include <lumen/error.hpp>
#include <lumen/explainer.hpp>
#include <lumen/model.hpp>
#include <lumen/plugin.hpp>
#include <lumen/trace.hpp>
#include <vector>

namespace {

// Copies of the sample's feature maps `one` ([1,K,h,w]), copy j with map first + j zeroed.
lumen::Tensor ablated_copies(const lumen::Tensor& one, std::int64_t first, std::int64_t count) {
  const std::int64_t plane = one.dim(2) * one.dim(3);
  lumen::Shape shape = one.shape();
  shape[0] = count;
  lumen::Tensor copies(shape);
  for (std::int64_t j = 0; j < count; ++j) {
    float* out = copies.data() + j * one.size();
    std::copy(one.data(), one.data() + one.size(), out);
    std::fill(out + (first + j) * plane, out + (first + j + 1) * plane, 0.0F);
  }
  return copies;
}

class AblationCam final : public lumen::Explainer {
 public:
  lumen::ExplainerInfo info() const override {
    lumen::ExplainerInfo i = lumen::cam_info(
        "ablation-cam",
        "feature maps of a layer weighted by the relative drop of the target score when each map "
        "is zeroed",
        "S. Desai, H. G. Ramaswamy. Ablation-CAM: Visual Explanations for Deep Convolutional "
        "Network via Gradient-free Localization. WACV, 2020.",
        {
            lumen::param::mask_score(lumen::MaskScore::logit,
                                     "the score S_c: the target logit (the paper, "
                                     "pytorch-grad-cam) or its softmax probability"),
            lumen::param::relu("apply ReLU to the weighted sum"),
            lumen::param::batch_size("ablated copies per head pass"),
        });
    i.signed_output = false;
    return i;
  }

 protected:
  lumen::Attribution compute(const lumen::ExplainRequest& request,
                             lumen::Context& context) const override {
    const lumen::Model& model = request.model;
    const lumen::NodeId layer = lumen::cam_layer(request);
    const bool probability = lumen::mask_score(request.params) == lumen::MaskScore::probability;

    lumen::ForwardOptions options;
    options.keep_all = false;
    options.keep = lumen::head_inputs(model, layer);
    options.keep.push_back(layer);
    options.keep.push_back(model.logits_node());
    const lumen::Trace trace = lumen::run_forward(model, request.input, context, options);
    const lumen::Tensor& features = trace.output(layer);
    const auto score_of = [&](const lumen::Tensor& logits) {
      return probability ? lumen::softmax_rows(logits) : logits;
    };
    const lumen::Tensor scores = score_of(trace.output(model.logits_node()));

    const auto n = features.dim(0), k = features.dim(1);
    const std::int64_t classes = model.class_count();
    // A head pass holds less than a whole forward pass, so sizing it as one stays within the
    // pass memory.
    std::int64_t batch = request.params.integer("batch_size");
    if (batch == 0) batch = lumen::samples_per_pass(model, context, lumen::PassKind::forward, k);
    const std::int64_t chunks = (k + batch - 1) / batch;
    // ablated[s * k + j] = S_c of sample s with map j zeroed; one job per (sample, chunk), each
    // writing its own slots, so the result does not depend on the thread count.
    std::vector<float> ablated(static_cast<std::size_t>(n * k));
    context.parallel_for(n * chunks, [&](std::int64_t job) {
      const std::int64_t s = job / chunks;
      const std::int64_t first = (job % chunks) * batch;
      const std::int64_t size = std::min(batch, k - first);
      const lumen::Tensor head = score_of(lumen::run_head(
          model, layer, ablated_copies(features.batch_slice(s), first, size), trace, s, context));
      const std::int64_t target = request.targets[static_cast<std::size_t>(s)];
      for (std::int64_t j = 0; j < size; ++j)
        ablated[static_cast<std::size_t>(s * k + first + j)] = head[j * classes + target];
    });

    lumen::Tensor weights({n, k});
    for (std::int64_t s = 0; s < n; ++s) {
      const float score = scores[s * classes + request.targets[static_cast<std::size_t>(s)]];
      if (score == 0.0F) {
        throw lumen::Error("ablation-cam: the target score of sample " + std::to_string(s) +
                           " is 0, so the relative drop (S_c - S_c,k) / S_c is undefined");
      }
      for (std::int64_t c = 0; c < k; ++c) {
        weights[s * k + c] = (score - ablated[static_cast<std::size_t>(s * k + c)]) / score;
      }
    }
    lumen::Attribution result =
        lumen::cam_attribution(request, layer, features, weights, request.params.boolean("relu"));
    result.notes.push_back("head passes (layers after the target layer only) per image: " +
                           std::to_string(k));
    return result;
  }
};

void fill(lumen::Registrar& registrar) { registrar.add_explainer(std::make_shared<AblationCam>()); }

}  // namespace

LUMEN_PLUGIN("ablation-cam", "0.1.0", fill)
