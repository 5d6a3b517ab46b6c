#include <algorithm>

#include "checked_size.hpp"
#include "layers/common.hpp"
#include "lumen/error.hpp"
#include "lumen/layers.hpp"

namespace lumen {
namespace {

using layers::at;
using layers::label;

class Concat final : public Layer {
 public:
  std::int64_t axis() const { return axis_; }
  explicit Concat(std::int64_t axis) : axis_(axis) {
    if (axis == 0) {
      throw InvalidArgument("Concat: axis 0 is the batch axis, which cannot be concatenated");
    }
  }

  std::string op_type() const override { return "Concat"; }
  LayerKind kind() const override { return LayerKind::structural; }
  std::string describe() const override { return "axis " + std::to_string(axis_); }

  Shape output_shape(std::span<const Shape> inputs) const override {
    if (inputs.empty()) throw ShapeError("Concat: expects at least 1 input, got none");
    const auto axis = resolve(inputs[0]);
    Shape out = inputs[0];
    out[axis] = 0;
    for (const auto& s : inputs) {
      bool fits = s.size() == out.size();
      for (std::size_t a = 0; fits && a < s.size(); ++a) fits = a == axis || s[a] == out[a];
      if (!fits) {
        throw ShapeError(label(*this) + ": inputs must agree on every dimension but axis " +
                         std::to_string(axis) + ", got " + layers::to_string(inputs));
      }
      out[axis] = checked_add(out[axis], s[axis], [&] {
        return label(*this) + ": axis " + std::to_string(axis) + " of the concatenation of " +
               layers::to_string(inputs);
      });
    }
    return out;
  }

  Tensor forward(TensorRefs inputs, const Backend&, std::unique_ptr<LayerState>*) const override {
    const auto shapes = layers::shapes_of(inputs);
    Tensor y(output_shape(shapes));
    const auto [outer, inner] = blocks(y.shape());
    const auto out_row = y.shape()[resolve(y.shape())] * inner;
    std::int64_t column = 0;
    for (const auto* x : inputs) {
      const auto row = x->shape()[resolve(y.shape())] * inner;
      for (std::int64_t o = 0; o < outer; ++o) {
        std::copy_n(x->data() + o * row, row, y.data() + o * out_row + column);
      }
      column += row;
    }
    return y;
  }

  std::vector<Tensor> backward(TensorRefs inputs, const Tensor&, const LayerState*,
                               const Tensor& grad_output, const Backend&) const override {
    const auto shapes = layers::shapes_of(inputs);
    if (grad_output.shape() != output_shape(shapes)) {
      throw ShapeError(label(*this) + ": output gradient " + to_string(grad_output.shape()) +
                       " does not match the inputs " + layers::to_string(shapes));
    }
    const auto axis = resolve(grad_output.shape());
    const auto [outer, inner] = blocks(grad_output.shape());
    const auto out_row = grad_output.shape()[axis] * inner;
    std::vector<Tensor> grads;
    std::int64_t column = 0;
    for (const auto& shape : shapes) {
      Tensor dx(shape);
      const auto row = shape[axis] * inner;
      for (std::int64_t o = 0; o < outer; ++o) {
        std::copy_n(grad_output.data() + o * out_row + column, row, dx.data() + o * row);
      }
      column += row;
      grads.push_back(std::move(dx));
    }
    return grads;
  }

 private:
  std::size_t resolve(const Shape& shape) const {
    const auto rank = static_cast<std::int64_t>(shape.size());
    const auto axis = axis_ < 0 ? axis_ + rank : axis_;
    if (axis < 1 || axis >= rank) {
      throw ShapeError(label(*this) + ": axis " + std::to_string(axis_) +
                       " is not a non-batch axis of input " + to_string(shape));
    }
    return at(axis);
  }

  // The number of blocks before the axis and the values per index of the axis.
  std::pair<std::int64_t, std::int64_t> blocks(const Shape& shape) const {
    const auto axis = static_cast<std::ptrdiff_t>(resolve(shape));
    return {element_count(Shape(shape.begin(), shape.begin() + axis)),
            element_count(Shape(shape.begin() + axis + 1, shape.end()))};
  }

  std::int64_t axis_;
};

}  // namespace

std::shared_ptr<const Layer> make_concat(std::int64_t axis) {
  return std::make_shared<const Concat>(axis);
}

namespace layers {
std::optional<std::int64_t> concat_axis(const Layer& layer) {
  if (const auto* concat = dynamic_cast<const Concat*>(&layer)) return concat->axis();
  return std::nullopt;
}
}  // namespace layers

}  // namespace lumen
