#pragma once
// The transformed weights of one linear layer (W+, W-, W + gamma W+, ...), made once and kept.
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "lumen/layer.hpp"
#include "lumen/tensor.hpp"
#include "lumen/weight_cache.hpp"

namespace lumen::layers {

/// Keeps t(W) for the few transforms a composite uses on a layer, so a rule that evaluates
/// forward_with / backward_with with W+ on every explanation transforms the weights once per
/// layer instead of once per call (Note [transformed weights]). Bounded: the `capacity` most
/// recently made transforms are kept. Thread-safe. Copying a layer gives an empty cache.
class TransformedWeights {
 public:
  /// t(W) and the cache where a backend keeps what it derives from it.
  struct Weights {
    Tensor values;
    WeightCache cache;
  };

  TransformedWeights() = default;
  TransformedWeights(const TransformedWeights&) : TransformedWeights() {}
  TransformedWeights& operator=(const TransformedWeights&) = delete;

  /// t(source); `source` must be the same tensor (the layer's own) on every call.
  std::shared_ptr<const Weights> get(const Tensor& source, const WeightTransform& t) const;

 private:
  static constexpr std::size_t capacity = 2;
  mutable std::mutex mutex_;
  mutable std::vector<std::pair<WeightTransform, std::shared_ptr<const Weights>>> kept_;
};

}  // namespace lumen::layers
