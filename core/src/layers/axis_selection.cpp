#include <algorithm>

#include "layers/common.hpp"
#include "lumen/axis_selection.hpp"
#include "lumen/error.hpp"

namespace lumen {
namespace {

using layers::at;
using layers::label;

// "1..3" for consecutive indices, "0,2,2" otherwise (at most 8 shown).
std::string indices_to_string(const std::vector<std::int64_t>& indices) {
  if (indices.empty()) return "none";
  const bool consecutive =
      std::adjacent_find(indices.begin(), indices.end(), [](std::int64_t a, std::int64_t b) {
        return b != a + 1;
      }) == indices.end();
  if (consecutive && indices.size() > 1) {
    return std::to_string(indices.front()) + ".." + std::to_string(indices.back());
  }
  std::string out;
  for (std::size_t i = 0; i < indices.size() && i < 8; ++i) {
    out += (i ? "," : "") + std::to_string(indices[i]);
  }
  return indices.size() > 8 ? out + ",... (" + std::to_string(indices.size()) + ")" : out;
}

// Note [axis selection]: ONNX Slice, Split and Gather with constant indices all read the input at
// fixed positions of one axis. Seen as x viewed as [outer, size, inner] (outer: the axes before,
// batch included; inner: those after), output[o, j, i] = x[o, indices[j], i]. Backward scatters
// each output gradient to the position it was read from and adds where an index repeats, so every
// value of the upstream signal lands on exactly one input value: relevance routed through it keeps
// its total (Note [relevance routing] in propagation.cpp), and positions nobody read get zero.
class AxisSelectionLayer final : public Layer {
 public:
  AxisSelectionLayer(std::string op_type, AxisSelection selection)
      : op_type_(std::move(op_type)), s_(std::move(selection)) {
    if (op_type_.empty()) throw InvalidArgument("make_axis_selection: op_type is empty");
    if (s_.axis < 1) {
      throw InvalidArgument(op_type_ + ": axis " + std::to_string(s_.axis) +
                            " is not a non-batch axis; lumen cannot select along the batch axis, "
                            "which would mix the samples of a batch");
    }
    if (s_.indices.empty()) throw InvalidArgument(op_type_ + ": selects no index");
    if (s_.drop_axis && s_.indices.size() != 1) {
      throw InvalidArgument(op_type_ + ": dropping the axis needs exactly one index, got " +
                            std::to_string(s_.indices.size()));
    }
    for (auto i : s_.indices) {
      if (i < 0) throw InvalidArgument(op_type_ + ": index " + std::to_string(i) + " is negative");
    }
  }

  std::string op_type() const override { return op_type_; }
  LayerKind kind() const override { return LayerKind::structural; }
  std::string describe() const override {
    return "axis " + std::to_string(s_.axis) + " [" + indices_to_string(s_.indices) + "]" +
           (s_.drop_axis ? " (axis dropped)" : "");
  }

  Shape output_shape(std::span<const Shape> inputs) const override {
    layers::require_input_count(*this, inputs.size(), 1);
    const Shape& in = inputs[0];
    if (s_.axis >= static_cast<std::int64_t>(in.size())) {
      throw ShapeError(label(*this) + ": axis " + std::to_string(s_.axis) +
                       " is out of range for input " + to_string(in));
    }
    const auto size = in[at(s_.axis)];
    const auto largest = *std::max_element(s_.indices.begin(), s_.indices.end());
    if (largest >= size) {
      throw ShapeError(label(*this) + ": index " + std::to_string(largest) +
                       " is out of range for axis " + std::to_string(s_.axis) + " of input " +
                       to_string(in));
    }
    Shape out = in;
    if (s_.drop_axis) {
      out.erase(out.begin() + static_cast<std::ptrdiff_t>(s_.axis));
    } else {
      out[at(s_.axis)] = static_cast<std::int64_t>(s_.indices.size());
    }
    return out;
  }

  Tensor forward(TensorRefs inputs, const Backend&, std::unique_ptr<LayerState>*) const override {
    layers::require_input_count(*this, inputs.size(), 1);
    const Tensor& x = *inputs[0];
    Tensor y(output_shape(std::span<const Shape>(&x.shape(), 1)));
    const auto [outer, size, inner] = blocks(x.shape());
    const auto count = static_cast<std::int64_t>(s_.indices.size());
    for (std::int64_t o = 0; o < outer; ++o) {
      for (std::int64_t j = 0; j < count; ++j) {
        std::copy_n(x.data() + (o * size + s_.indices[at(j)]) * inner, inner,
                    y.data() + (o * count + j) * inner);
      }
    }
    return y;
  }

  std::vector<Tensor> backward(TensorRefs inputs, const Tensor&, const LayerState*,
                               const Tensor& grad_output, const Backend&) const override {
    layers::require_input_count(*this, inputs.size(), 1);
    const Shape& input = inputs[0]->shape();
    layers::require_output_gradient(*this, input, grad_output);
    Tensor dx(input);
    const auto [outer, size, inner] = blocks(input);
    const auto count = static_cast<std::int64_t>(s_.indices.size());
    for (std::int64_t o = 0; o < outer; ++o) {
      for (std::int64_t j = 0; j < count; ++j) {
        const float* g = grad_output.data() + (o * count + j) * inner;
        float* d = dx.data() + (o * size + s_.indices[at(j)]) * inner;
        for (std::int64_t i = 0; i < inner; ++i) d[i] += g[i];
      }
    }
    return layers::single(std::move(dx));
  }

 private:
  struct Blocks {
    std::int64_t outer, size, inner;
  };
  Blocks blocks(const Shape& in) const {
    const auto axis = static_cast<std::ptrdiff_t>(s_.axis);
    return {element_count(Shape(in.begin(), in.begin() + axis)), in[at(s_.axis)],
            element_count(Shape(in.begin() + axis + 1, in.end()))};
  }

  std::string op_type_;
  AxisSelection s_;
};

}  // namespace

std::shared_ptr<const Layer> make_axis_selection(std::string op_type, AxisSelection selection) {
  return std::make_shared<const AxisSelectionLayer>(std::move(op_type), std::move(selection));
}

}  // namespace lumen
