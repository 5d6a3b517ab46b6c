#include "lumen/cam.hpp"

#include "lumen/batching.hpp"

#include <algorithm>

#include "lumen/error.hpp"
#include "lumen/model.hpp"
#include "lumen/resample.hpp"
#include "lumen/trace.hpp"

namespace lumen {

NodeId cam_layer(const ExplainRequest& request, std::string_view method) {
  const Model& model = request.model;
  const NodeId layer = request.layer ? *request.layer : default_spatial_layer(model);
  check_spatial_layer(model, layer);
  if (layer == model.graph().input()) {
    throw InvalidArgument(std::string(method) + " needs a layer inside the model, not its input");
  }
  return layer;
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
    float* out = cam.data() + s * plane;
    for (std::int64_t c = 0; c < k; ++c) {
      const float weight = weights[s * k + c];
      const float* a = features.data() + (s * k + c) * plane;
      for (std::int64_t p = 0; p < plane; ++p) out[p] += weight * a[p];
    }
    if (relu) std::for_each(out, out + plane, [](float& v) { v = std::max(v, 0.0F); });
  }
  Attribution result;
  result.map = upsample_bilinear(cam, request.input.dim(2), request.input.dim(3));
  result.layer_map = std::move(cam);
  result.layer = layer;
  result.signed_map = !relu;
  result.notes.push_back("layer: " + request.model.graph().node(layer).name);
  return result;
}

void scale_planes_to_unit(Tensor& maps) {
  const std::int64_t plane = maps.dim(2) * maps.dim(3);
  for (std::int64_t i = 0; i < maps.size(); i += plane) {
    float* p = maps.data() + i;
    const auto [low, high] = std::minmax_element(p, p + plane);
    const float min = *low, range = *high - *low;
    for (std::int64_t j = 0; j < plane; ++j) p[j] = range > 0.0F ? (p[j] - min) / range : 0.0F;
  }
}

namespace {

// Sample `s` of `x` ([N,C,H,W]) times masks [first, first + count) of sample s of `masks`.
Tensor masked_copies(const Tensor& x, const Tensor& masks, std::int64_t s, std::int64_t first,
                     std::int64_t count) {
  const std::int64_t channels = x.dim(1), plane = x.dim(2) * x.dim(3), m = masks.dim(1);
  Shape shape = x.shape();
  shape[0] = count;
  Tensor copies(shape);
  for (std::int64_t j = 0; j < count; ++j) {
    const float* mask = masks.data() + (s * m + first + j) * plane;
    for (std::int64_t c = 0; c < channels; ++c) {
      const float* in = x.data() + (s * channels + c) * plane;
      float* out = copies.data() + (j * channels + c) * plane;
      for (std::int64_t p = 0; p < plane; ++p) out[p] = in[p] * mask[p];
    }
  }
  return copies;
}

}  // namespace

Tensor masked_scores(const Model& model, const Tensor& input, const Tensor& masks,
                     std::span<const std::int64_t> targets, MaskScore score,
                     std::int64_t batch_size, Context& context) {
  const std::int64_t n = input.dim(0), m = masks.dim(1);
  if (masks.rank() != 4 || masks.dim(0) != n || masks.dim(2) != input.dim(2) ||
      masks.dim(3) != input.dim(3)) {
    throw ShapeError("masked_scores: masks " + to_string(masks.shape()) + " do not fit the input " +
                     to_string(input.shape()));
  }
  if (batch_size < 0) {
    throw InvalidArgument("masked_scores: batch_size must be 0 (automatic) or positive, got " +
                          std::to_string(batch_size));
  }
  if (batch_size == 0) batch_size = samples_per_pass(model, context, PassKind::forward, m);
  const std::int64_t classes = model.class_count();
  const std::int64_t chunks = (m + batch_size - 1) / batch_size;
  Tensor scores({n, m});
  // One job per (sample, chunk), each writing its own slots.
  context.parallel_for(n * chunks, [&](std::int64_t job) {
    const std::int64_t s = job / chunks, first = (job % chunks) * batch_size;
    const std::int64_t count = std::min(batch_size, m - first);
    Tensor logits = predict_logits(model, masked_copies(input, masks, s, first, count), context);
    if (score == MaskScore::probability) logits = softmax_rows(logits);
    const std::int64_t target = targets[static_cast<std::size_t>(s)];
    for (std::int64_t j = 0; j < count; ++j)
      scores[s * m + first + j] = logits[j * classes + target];
  });
  return scores;
}

}  // namespace lumen
