#include "layers/transformed_weights.hpp"

#include <algorithm>

#include "layers/common.hpp"

namespace lumen::layers {

// Note [transformed weights]
// LRP rules evaluate a linear layer with modified weights (zplus: W+, alpha-beta: W+ and W-,
// gamma: W + gamma W+) once or twice per explanation. Transforming ResNet-18's 11 M weights on
// every call took a quarter of an epsilon-plus explanation; the transform depends only on the
// layer and the transform, so it is made once. Two transforms cover every rule lumen has; a
// composite alternating between more only re-makes them. The memory is that of the weights per
// kept transform, released with the layer.
std::shared_ptr<const TransformedWeights::Weights> TransformedWeights::get(
    const Tensor& source, const WeightTransform& t) const {
  const auto same = [&](const WeightTransform& kept) {
    return kept.kind == t.kind && (t.kind != WeightTransform::Kind::gamma || kept.gamma == t.gamma);
  };
  {
    const std::lock_guard lock(mutex_);
    for (auto it = kept_.begin(); it != kept_.end(); ++it) {
      if (!same(it->first)) continue;
      auto found = it->second;
      std::rotate(kept_.begin(), it, it + 1);  // most recently used first
      return found;
    }
  }
  auto made = std::make_shared<const Weights>(Weights{transformed(source, t), {}});
  const std::lock_guard lock(mutex_);
  kept_.insert(kept_.begin(), {t, made});
  if (kept_.size() > capacity) kept_.pop_back();
  return made;
}

}  // namespace lumen::layers
