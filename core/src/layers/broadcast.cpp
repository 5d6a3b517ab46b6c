// NumPy broadcasting between computed tensors: the common shape, expanding a tensor to it, and
// summing a gradient back over the broadcast axes.
#include "layers/broadcast.hpp"

#include "layers/common.hpp"
#include "lumen/error.hpp"

namespace lumen::layers {

Shape broadcast_shape(const Layer& layer, std::span<const Shape> inputs) {
  Shape out;
  for (const auto& s : inputs) {
    if (s.size() != inputs[0].size()) {
      throw ShapeError(label(layer) + ": inputs of different ranks do not broadcast, got " +
                       to_string(inputs));
    }
  }
  if (inputs.empty()) return out;
  out = inputs[0];
  for (const auto& s : inputs) {
    for (std::size_t a = 0; a < s.size(); ++a) {
      if (s[a] == out[a] || s[a] == 1) continue;
      if (out[a] != 1 || a == 0) {
        throw ShapeError(label(layer) + ": inputs " + to_string(inputs) +
                         " do not broadcast (axis " + std::to_string(a) +
                         (a == 0 ? ", the batch axis, must be equal)" : ")"));
      }
      out[a] = s[a];
    }
  }
  return out;
}

Tensor expand_to(const Tensor& t, const Shape& shape) {
  if (t.shape() == shape) return t;
  return broadcast_apply(Tensor(shape), t, [](float, float v) { return v; });
}

Tensor reduce_to(const Tensor& g, const Shape& shape) {
  if (g.shape() == shape) return g;
  const auto rank = g.shape().size();
  const auto strides = broadcast_strides(shape, rank);
  Tensor out(shape);
  std::vector<std::int64_t> index(rank, 0);
  std::int64_t offset = 0;
  for (std::int64_t i = 0; i < g.size(); ++i) {
    out[offset] += g[i];
    for (auto a = rank; a-- > 0;) {
      offset += strides[a];
      if (++index[a] < g.shape()[a]) break;
      offset -= strides[a] * g.shape()[a];
      index[a] = 0;
    }
  }
  return out;
}

}  // namespace lumen::layers
