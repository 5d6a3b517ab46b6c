#include "layers/common.hpp"

#include <algorithm>

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

void require_output_gradient(const Layer& layer, const Shape& input, const Tensor& grad_output) {
  if (grad_output.shape() != layer.output_shape(std::span<const Shape>(&input, 1))) {
    throw ShapeError(label(layer) + ": output gradient " + lumen::to_string(grad_output.shape()) +
                     " does not match the output of input " + lumen::to_string(input));
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

void require_parameters(const Layer& layer, const std::vector<Tensor>& values,
                        std::span<const char* const> names,
                        std::span<const Tensor* const> current) {
  if (values.size() != current.size()) {
    std::string list;
    for (std::size_t i = 0; i < current.size(); ++i) {
      list += (list.empty() ? "" : ", ") + std::string(names[i]);
    }
    throw InvalidArgument(layer.op_type() + ": expects " + std::to_string(current.size()) +
                          " parameters (" + list + "), got " + std::to_string(values.size()));
  }
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (values[i].shape() != current[i]->shape()) {
      throw InvalidArgument(layer.op_type() + ": parameter '" + names[i] + "' has shape " +
                            lumen::to_string(values[i].shape()) + ", expected " +
                            lumen::to_string(current[i]->shape()));
    }
  }
}

Tensor transformed(const Tensor& tensor, const WeightTransform& t) {
  Tensor out(tensor.shape());
  const float* in = tensor.data();
  float* o = out.data();
  const std::int64_t n = tensor.size();
  // One loop per kind, so each vectorises (a switch per value does not).
  switch (t.kind) {
    case WeightTransform::Kind::identity: std::copy(in, in + n, o); break;
    case WeightTransform::Kind::positive:
      for (std::int64_t i = 0; i < n; ++i) o[i] = in[i] > 0.0F ? in[i] : 0.0F;
      break;
    case WeightTransform::Kind::negative:
      for (std::int64_t i = 0; i < n; ++i) o[i] = in[i] < 0.0F ? in[i] : 0.0F;
      break;
    case WeightTransform::Kind::gamma:
      for (std::int64_t i = 0; i < n; ++i) o[i] = in[i] + t.gamma * (in[i] > 0.0F ? in[i] : 0.0F);
      break;
    case WeightTransform::Kind::square:
      for (std::int64_t i = 0; i < n; ++i) o[i] = in[i] * in[i];
      break;
    case WeightTransform::Kind::flat: std::fill(o, o + n, 1.0F); break;
  }
  return out;
}

void require_broadcastable(const Layer& layer, const Shape& constant, const Shape& input) {
  bool fits = constant.size() <= input.size();
  for (std::size_t k = 0; fits && k < constant.size(); ++k) {
    const auto d = constant[constant.size() - 1 - k];
    const auto axis = input.size() - 1 - k;
    fits = d == 1 || (d == input[axis] && axis > 0);
  }
  if (!fits) {
    throw ShapeError(label(layer) + ": the constant " + lumen::to_string(constant) +
                     " does not broadcast to the input " + lumen::to_string(input) +
                     " without changing its shape");
  }
}

std::vector<std::int64_t> broadcast_strides(const Shape& constant, std::size_t rank) {
  std::vector<std::int64_t> strides(rank, 0);
  std::int64_t stride = 1;
  for (std::size_t k = 0; k < constant.size(); ++k) {
    const auto d = constant[constant.size() - 1 - k];
    if (d != 1) strides[rank - 1 - k] = stride;
    stride *= d;
  }
  return strides;
}

}  // namespace lumen::layers
