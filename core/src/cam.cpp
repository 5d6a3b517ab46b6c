#include "lumen/cam.hpp"

#include "lumen/batching.hpp"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "lumen/detail/map_math.hpp"
#include "lumen/error.hpp"
#include "lumen/model.hpp"
#include "lumen/propagation.hpp"
#include "lumen/resample.hpp"
#include "lumen/trace.hpp"
#include "resample_planes.hpp"

namespace lumen {

NodeId cam_layer(const ExplainRequest& request) {
  return request.layer ? *request.layer : default_spatial_layer(request.model);
}

LayerGradients layer_gradients(const ExplainRequest& request, NodeId layer, Context& context) {
  auto run = propagate_from_targets(request.model, request.input, request.targets,
                                    RuleMap(gradient_rule()), StartValue::one, {layer}, context);
  return {run.trace.output(layer), std::move(run.signals.at(layer))};
}

Attribution cam_attribution(const ExplainRequest& request, NodeId layer, const Tensor& features,
                            const Tensor& weights, bool relu) {
  if (features.rank() != 4 || weights.shape() != Shape{features.dim(0), features.dim(1)}) {
    throw ShapeError("cam_attribution: weights " + to_string(weights.shape()) +
                     " do not fit features " + to_string(features.shape()));
  }
  const auto n = features.dim(0), k = features.dim(1), h = features.dim(2), w = features.dim(3);
  const auto plane = h * w;
  Tensor cam({n, 1, h, w});
  for (std::int64_t s = 0; s < n; ++s) {
    const auto out = cam.values().subspan(s * plane, plane);
    detail::add_weighted_maps(features.values().subspan(s * k * plane, k * plane),
                              weights.values().subspan(s * k, k), out);
    if (relu) std::for_each(out.begin(), out.end(), [](float& v) { v = std::max(v, 0.0F); });
  }
  Attribution result;
  result.map = upsample_bilinear(cam, request.input.dim(2), request.input.dim(3));
  result.layer_map = std::move(cam);
  result.layer = layer;
  result.signed_map = !relu;
  result.notes.push_back("layer: " + request.model.graph().node(layer).name);
  return result;
}

namespace param {

ParamSpec mask_score(MaskScore default_score, std::string help) {
  std::vector<std::string> names{"probability", "logit"};
  if (default_score == MaskScore::logit) std::swap(names[0], names[1]);
  std::string default_name = names[0];
  return choice("score", std::move(default_name), std::move(names), std::move(help));
}

}  // namespace param

MaskScore mask_score(const Params& params) {
  return params.text("score") == "probability" ? MaskScore::probability : MaskScore::logit;
}

void scale_planes_to_unit(Tensor& maps) {
  detail::scale_maps_to_unit(maps.values(), maps.dim(2) * maps.dim(3));
}

MaskSource upsampled_unit_masks(Tensor maps, std::int64_t height, std::int64_t width) {
  if (maps.rank() != 4) {
    throw ShapeError("upsampled_unit_masks needs [N,M,h,w] maps, got " + to_string(maps.shape()));
  }
  if (height <= 0 || width <= 0 || maps.dim(2) == 0 || maps.dim(3) == 0) {
    throw InvalidArgument("upsampled_unit_masks: cannot resize " + to_string(maps.shape()) +
                          " to " + std::to_string(height) + "x" + std::to_string(width));
  }
  const std::int64_t m = maps.dim(1);
  auto shared = std::make_shared<const Tensor>(std::move(maps));
  auto fill = [shared, height, width](std::int64_t sample, std::int64_t index,
                                      std::span<float> out) {
    const Tensor& source = *shared;
    const std::int64_t h = source.dim(2), w = source.dim(3), plane = height * width;
    if (static_cast<std::int64_t>(out.size()) != plane) {
      throw ShapeError("upsampled_unit_masks: a mask holds " + std::to_string(plane) +
                       " values, not " + std::to_string(out.size()));
    }
    const float* in = source.data() + (sample * source.dim(1) + index) * h * w;
    // The same values as upsample_bilinear then scale_planes_to_unit on the whole tensor, which
    // copies planes already at the target size.
    if (h == height && w == width) {
      std::copy(in, in + plane, out.data());
    } else {
      upsample_bilinear_planes(in, 1, h, w, out.data(), height, width);
    }
    detail::scale_to_unit(out);
  };
  return MaskSource{m, std::move(fill)};
}

Tensor masked_scores(const Model& model, const Tensor& input, const MaskSource& masks,
                     std::span<const std::int64_t> targets, MaskScore score,
                     std::int64_t batch_size, Context& context) {
  if (input.rank() != 4) {
    throw ShapeError("masked_scores needs an [N,C,H,W] input, got " + to_string(input.shape()));
  }
  if (batch_size < 0) {
    throw InvalidArgument("masked_scores: batch_size must be 0 (automatic) or positive, got " +
                          std::to_string(batch_size));
  }
  const std::int64_t n = input.dim(0), m = masks.count;
  Tensor scores({n, m});
  if (m == 0) return scores;
  if (batch_size == 0) batch_size = samples_per_pass(model, context, PassKind::forward, m);
  const std::int64_t channels = input.dim(1), plane = input.dim(2) * input.dim(3);
  const std::int64_t classes = model.class_count();
  const std::int64_t chunks = (m + batch_size - 1) / batch_size;
  // One job per (sample, chunk), each writing its own slots; a job holds one mask and its batch
  // of masked copies.
  context.parallel_for(n * chunks, [&](std::int64_t job) {
    const std::int64_t s = job / chunks, first = (job % chunks) * batch_size;
    const std::int64_t count = std::min(batch_size, m - first);
    Shape shape = input.shape();
    shape[0] = count;
    Tensor copies = Tensor::uninitialised(shape);
    std::vector<float> mask(static_cast<std::size_t>(plane));
    const auto sample = input.values().subspan(s * channels * plane, channels * plane);
    for (std::int64_t j = 0; j < count; ++j) {
      masks.fill(s, first + j, mask);
      detail::multiply_by_mask(sample, mask,
                               copies.values().subspan(j * channels * plane, channels * plane));
    }
    Tensor logits = predict_logits(model, copies, context);
    if (score == MaskScore::probability) logits = softmax_rows(logits);
    const std::int64_t target = targets[static_cast<std::size_t>(s)];
    for (std::int64_t j = 0; j < count; ++j)
      scores[s * m + first + j] = logits[j * classes + target];
  });
  return scores;
}

Tensor masked_scores(const Model& model, const Tensor& input, const Tensor& masks,
                     std::span<const std::int64_t> targets, MaskScore score,
                     std::int64_t batch_size, Context& context) {
  if (masks.rank() != 4 || input.rank() != 4 || masks.dim(0) != input.dim(0) ||
      masks.dim(2) != input.dim(2) || masks.dim(3) != input.dim(3)) {
    throw ShapeError("masked_scores: masks " + to_string(masks.shape()) + " do not fit the input " +
                     to_string(input.shape()));
  }
  const std::int64_t m = masks.dim(1), plane = masks.dim(2) * masks.dim(3);
  const MaskSource source{
      m, [&masks, m, plane](std::int64_t sample, std::int64_t index, std::span<float> out) {
        const float* mask = masks.data() + (sample * m + index) * plane;
        std::copy(mask, mask + plane, out.data());
      }};
  return masked_scores(model, input, source, targets, score, batch_size, context);
}

}  // namespace lumen
