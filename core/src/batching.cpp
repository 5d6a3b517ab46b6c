#include "lumen/batching.hpp"

#include <algorithm>

#include "lumen/context.hpp"
#include "lumen/model.hpp"

namespace lumen {

std::int64_t pass_bytes_per_sample(const Model& model, PassKind kind) {
  std::int64_t total = 0, largest = 0;
  const Graph& graph = model.graph();
  for (const NodeId id : graph.topological_order()) {
    const std::int64_t elements = element_count(graph.node(id).output_shape);
    total += elements;
    largest = std::max(largest, elements);
  }
  const std::int64_t elements = kind == PassKind::gradient ? total + 2 * largest : 4 * largest;
  return elements * static_cast<std::int64_t>(sizeof(float));
}

std::int64_t samples_per_pass(const Model& model, const Context& context, PassKind kind,
                              std::int64_t wanted) {
  const std::int64_t fit =
      context.pass_memory() / std::max<std::int64_t>(1, pass_bytes_per_sample(model, kind));
  return std::clamp<std::int64_t>(fit, 1, std::max<std::int64_t>(1, wanted));
}

}  // namespace lumen
