#pragma once
#include <memory>
#include <oneapi/dnnl/dnnl.hpp>

#include "lumen/backend.hpp"
#include "lumen/weight_cache.hpp"

namespace lumen::cpu_onednn {

/// oneDNN convolutions on lumen's plain NCHW / OIHW buffers, run as oneTBB tasks over blocks of
/// samples and slices of channels (Note [oneDNN on lumen's threads]). Each part gets a plan,
/// cached by geometry: the primitive with the layouts oneDNN prefers (blocked, chosen by
/// `format_tag::any`) and the reorders between those and lumen's plain layout.
/// Weights given with a WeightCache are reordered once and kept there (Note [weights kept in
/// oneDNN's layout]). Thread-safe: plans are immutable and every call has its own buffers and
/// scratchpad.
class Convolutions {
 public:
  Convolutions();
  ~Convolutions();
  /// `cache` may be null (weights that change between calls).
  void forward(const Conv2dGeometry& g, const float* x, const float* w, const WeightCache* cache,
               const float* bias, float* y) const;
  void backward_data(const Conv2dGeometry& g, const float* dy, const float* w,
                     const WeightCache* cache, float* dx) const;
  void backward_weights(const Conv2dGeometry& g, const float* x, const float* dy, float* dw,
                        float* db) const;

 private:
  struct Plans;
  dnnl::engine engine_;
  std::unique_ptr<Plans> plans_;
};

}  // namespace lumen::cpu_onednn
