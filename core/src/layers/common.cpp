#include "layers/common.hpp"

#include "lumen/error.hpp"

namespace lumen::layers {

std::string label(const Layer& layer) {
  const auto description = layer.describe();
  return description.empty() ? layer.op_type() : layer.op_type() + " " + description;
}

std::string to_string(std::span<const Shape> shapes) {
  std::string out;
  for (const auto& s : shapes) out += (out.empty() ? "" : ", ") + lumen::to_string(s);
  return out;
}

void require_input_count(const Layer& layer, std::size_t count, std::size_t expected) {
  if (count != expected) {
    throw ShapeError(label(layer) + ": expects " + std::to_string(expected) + " input" +
                     (expected == 1 ? "" : "s") + ", got " + std::to_string(count));
  }
}

void require_rank(const Layer& layer, const Shape& shape, std::size_t rank, bool at_least) {
  if (at_least ? shape.size() < rank : shape.size() != rank) {
    throw ShapeError(label(layer) + ": expects an input of rank " + (at_least ? "at least " : "") +
                     std::to_string(rank) + ", got " + lumen::to_string(shape));
  }
}

std::vector<Shape> shapes_of(TensorRefs inputs) {
  std::vector<Shape> shapes;
  shapes.reserve(inputs.size());
  for (const auto* t : inputs) shapes.push_back(t->shape());
  return shapes;
}

std::string pair_to_string(std::int64_t a, std::int64_t b) {
  return a == b ? std::to_string(a) : std::to_string(a) + "x" + std::to_string(b);
}

Tensor transformed(const Tensor& tensor, const WeightTransform& t) {
  Tensor out(tensor.shape());
  for (std::int64_t i = 0; i < tensor.size(); ++i) out[i] = t(tensor[i]);
  return out;
}

}  // namespace lumen::layers
