#include "lumen/batching.hpp"

#include <algorithm>

#include "lumen/context.hpp"
#include "lumen/model.hpp"

namespace lumen {

namespace {

struct OutputSizes {
  std::int64_t total = 0, largest = 0;  // elements per sample
};

OutputSizes output_sizes(const Model& model) {
  OutputSizes sizes;
  const Graph& graph = model.graph();
  for (const NodeId id : graph.topological_order()) {
    const std::int64_t elements = element_count(graph.node(id).output_shape);
    sizes.total += elements;
    sizes.largest = std::max(sizes.largest, elements);
  }
  return sizes;
}

// Note [samples per pass]: past a point, more samples in a pass cost time. A small model's layers
// run at full speed while a layer's batch of activations stays in the core's cache, and slow down
// once it does not (one thread: sar-cnn integrated gradients 52 ms with passes of 4 samples, 61 ms
// with one of 50; the 32x32 residual net 28 ms with 8, 37 ms with 50; plain occlusion 1.5 s with
// 16, 3.1 s with 500), while a large model gains nothing from more (ResNet-18: the same from 1 to
// 16 samples). So a pass holds at most the samples whose largest layer output fits 1 MiB, and at
// least 4. The budget is a constant, not this machine's cache, so that the batch, and with it
// the rounding, never depends on the machine.
constexpr std::int64_t cache_budget_bytes = std::int64_t{1} << 20;
constexpr std::int64_t fewest_for_speed = 4;

std::int64_t bytes_per_sample(const OutputSizes& sizes, PassKind kind) {
  const std::int64_t elements =
      kind == PassKind::gradient ? sizes.total + 2 * sizes.largest : 4 * sizes.largest;
  return elements * static_cast<std::int64_t>(sizeof(float));
}

}  // namespace

std::int64_t pass_bytes_per_sample(const Model& model, PassKind kind) {
  return bytes_per_sample(output_sizes(model), kind);
}

std::int64_t samples_per_pass(const Model& model, const Context& context, PassKind kind,
                              std::int64_t wanted) {
  const OutputSizes sizes = output_sizes(model);
  const std::int64_t fit =
      context.pass_memory() / std::max<std::int64_t>(1, bytes_per_sample(sizes, kind));
  const std::int64_t largest_bytes = sizes.largest * static_cast<std::int64_t>(sizeof(float));
  const std::int64_t fast =
      std::max(fewest_for_speed, cache_budget_bytes / std::max<std::int64_t>(1, largest_bytes));
  return std::clamp<std::int64_t>(std::min(fit, fast), 1, std::max<std::int64_t>(1, wanted));
}

}  // namespace lumen
