#pragma once
/// What class-activation-map methods share: the layer they work at, and turning one weight per
/// feature map into the Attribution L = (ReLU) sum_k w_k A^k. Each CAM method only computes its
/// weights. Thread-safe (pure functions).
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "lumen/explainer.hpp"

namespace lumen {

/// The info() of a CAM method (see lumen/explainer_info.hpp): family cam, requires_layer_access, a
/// layer-space map at a required layer.
LUMEN_API ExplainerInfo cam_info(std::string name, std::string summary, std::string citation,
                                 std::vector<ParamSpec> params = {});

/// The request's layer (which Explainer::explain has checked: spatial, not the model's input),
/// else default_spatial_layer.
LUMEN_API NodeId cam_layer(const ExplainRequest& request);

/// What the gradient-weighted CAMs start from: the feature maps A of a layer, [N,K,h,w], and the
/// gradient of each sample's target logit with respect to them (the same shape).
struct LayerGradients {
  Tensor features;
  Tensor gradients;
};
/// The LayerGradients of `layer` for the request's input and targets: one forward and one backward
/// pass per sample.
LUMEN_API LayerGradients layer_gradients(const ExplainRequest& request, NodeId layer,
                                         Context& context);

/// The map L[n] = sum_k weights[n,k] * features[n,k] (features [N,K,h,w], weights [N,K]), then
/// ReLU when `relu`, as an Attribution: layer_map [N,1,h,w], map upsampled bilinearly to the
/// input's H,W, layer, signed_map = !relu and a note naming the layer. (Explainer::explain fills
/// passes and time.)
LUMEN_API Attribution cam_attribution(const ExplainRequest& request, NodeId layer,
                                      const Tensor& features, const Tensor& weights, bool relu);

/// Min-max scales every [h,w] plane of `maps` ([N,K,h,w]) to [0,1] in place; a constant plane
/// becomes 0. (The s(.) of the CAM papers.)
LUMEN_API void scale_planes_to_unit(Tensor& maps);

/// What a masked input is scored by: the target's softmax probability or its logit.
enum class MaskScore { probability, logit };

namespace param {
/// The `score` parameter of the methods that score masked inputs: "probability" or "logit", the
/// default listed first; `help` says what it scores. Read with mask_score.
LUMEN_API ParamSpec mask_score(MaskScore default_score, std::string help);
}  // namespace param

/// The MaskScore the `score` parameter (param::mask_score) names.
LUMEN_API MaskScore mask_score(const Params& params);

/// Where masked_scores takes its masks from: `count` masks per sample, each one [H,W] plane at the
/// input's size (one mask for all channels), made when a batch needs it, so that only the masks
/// of the batches being scored are alive, however many there are. fill(sample, index, out) writes
/// mask `index` of `sample` into `out` (H*W values); it is called from several threads at once and
/// must give the same values whichever batch or thread asks.
struct MaskSource {
  std::int64_t count = 0;
  std::function<void(std::int64_t sample, std::int64_t index, std::span<float> out)> fill;
};

/// The masks H = s(Up(maps[n,m])) of the CAM papers for `maps` [N,M,h,w]: each plane upsampled
/// bilinearly to height x width (as upsample_bilinear) and min-max scaled to [0,1] (as
/// scale_planes_to_unit), one plane at a time. The source keeps `maps` (move it in to save the
/// copy). Thread-safe.
LUMEN_API MaskSource upsampled_unit_masks(Tensor maps, std::int64_t height, std::int64_t width);

/// The target score of each sample times each of its masks: scores[n,m] = S_c(x_n * H_{n,m}) for
/// `input` [N,C,H,W] and the masks of `masks` (one mask for all channels). Runs N*M forward
/// passes in batches of at most `batch_size` masked copies (0: samples_per_pass, as many as the
/// context's pass memory holds), in parallel over (sample, batch) jobs with a fixed split, so the
/// result does not depend on the thread count; each job makes its batch's masks itself. Returns
/// [N,M].
LUMEN_API Tensor masked_scores(const Model& model, const Tensor& input, const MaskSource& masks,
                               std::span<const std::int64_t> targets, MaskScore score,
                               std::int64_t batch_size, Context& context);

/// masked_scores with masks given whole, [N,M,H,W]: for a few masks per sample (one heatmap each,
/// say); many masks are better made per batch by a MaskSource. Throws ShapeError when `masks` does
/// not fit the input.
LUMEN_API Tensor masked_scores(const Model& model, const Tensor& input, const Tensor& masks,
                               std::span<const std::int64_t> targets, MaskScore score,
                               std::int64_t batch_size, Context& context);

}  // namespace lumen
