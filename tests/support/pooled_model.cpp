#include "pooled_model.hpp"

#include <algorithm>
#include <lumen/layers.hpp>

namespace lumen::testing {

Model pooled_model(const Tensor& w, bool gap, const std::optional<Tensor>& bias) {
  Graph g;
  auto x = g.add_input("input", {2, 4, 4});
  Pool2dParams pool;
  pool.kernel = {2, 2};
  pool.stride = {2, 2};
  NodeId last = g.add_node("features", "", make_max_pool2d(pool), {x});
  if (gap) last = g.add_node("gap", "", make_global_average_pool(), {last});
  auto flat = g.add_node("flatten", "", make_flatten(1), {last});
  auto fc = g.add_node("fc", "logits", make_linear(w, bias), {flat});
  g.finalize(fc);
  return Model(std::move(g), InputSpec{{2, 4, 4}, {}, {}});
}

Tensor pooled(const Tensor& x) {
  Tensor features({1, 2, 2, 2});
  for (int k = 0; k < 2; ++k)
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 2; ++j) {
        float m = -1e30F;
        for (int di = 0; di < 2; ++di)
          for (int dj = 0; dj < 2; ++dj) m = std::max(m, x[k * 16 + (2 * i + di) * 4 + 2 * j + dj]);
        features[k * 4 + i * 2 + j] = m;
      }
  return features;
}

}  // namespace lumen::testing
