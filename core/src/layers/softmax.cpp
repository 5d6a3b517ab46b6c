#include <algorithm>
#include <cmath>

#include "layers/common.hpp"
#include "lumen/error.hpp"
#include "lumen/layers.hpp"

namespace lumen {
namespace {

using layers::label;

// Softmax over the class axis 1 (for [N, K] also the last axis), i.e. for every sample and every
// position of the dimensions after axis 1 independently.
class Softmax final : public Layer {
 public:
  std::int64_t axis() const { return axis_; }
  explicit Softmax(std::int64_t axis) : axis_(axis) {
    if (axis == 0) {
      throw InvalidArgument(
          "Softmax: axis 0 is the batch axis; only the class axis 1 is supported");
    }
  }

  std::string op_type() const override { return "Softmax"; }
  LayerKind kind() const override { return LayerKind::output; }
  std::string describe() const override { return "axis " + std::to_string(axis_); }

  Shape output_shape(std::span<const Shape> inputs) const override {
    layers::require_input_count(*this, inputs.size(), 1);
    check(inputs[0]);
    return inputs[0];
  }

  Tensor forward(TensorRefs inputs, const Backend&, std::unique_ptr<LayerState>*) const override {
    layers::require_input_count(*this, inputs.size(), 1);
    const Tensor& x = *inputs[0];
    const auto [classes, inner] = check(x.shape());
    Tensor y(x.shape());
    for (std::int64_t n = 0; n < x.dim(0); ++n) {
      for (std::int64_t k = 0; k < inner; ++k) {
        const auto base = n * classes * inner + k;
        float top = x[base];
        for (std::int64_t c = 1; c < classes; ++c) top = std::max(top, x[base + c * inner]);
        double sum = 0.0;
        for (std::int64_t c = 0; c < classes; ++c)
          sum += std::exp(double(x[base + c * inner]) - top);
        for (std::int64_t c = 0; c < classes; ++c) {
          y[base + c * inner] =
              static_cast<float>(std::exp(double(x[base + c * inner]) - top) / sum);
        }
      }
    }
    return y;
  }

  // dx = y * (g - sum_c g_c y_c) along the class axis.
  std::vector<Tensor> backward(TensorRefs inputs, const Tensor& output, const LayerState*,
                               const Tensor& grad_output, const Backend&) const override {
    layers::require_input_count(*this, inputs.size(), 1);
    const Shape& shape = inputs[0]->shape();
    const auto [classes, inner] = check(shape);
    if (output.shape() != shape || grad_output.shape() != shape) {
      throw ShapeError(label(*this) + ": input " + to_string(shape) + ", output " +
                       to_string(output.shape()) + " and output gradient " +
                       to_string(grad_output.shape()) + " must have the same shape");
    }
    Tensor dx(shape);
    for (std::int64_t n = 0; n < shape[0]; ++n) {
      for (std::int64_t k = 0; k < inner; ++k) {
        const auto base = n * classes * inner + k;
        double dot = 0.0;
        for (std::int64_t c = 0; c < classes; ++c) {
          dot += double(grad_output[base + c * inner]) * output[base + c * inner];
        }
        for (std::int64_t c = 0; c < classes; ++c) {
          const auto i = base + c * inner;
          dx[i] = static_cast<float>(output[i] * (grad_output[i] - dot));
        }
      }
    }
    return layers::single(std::move(dx));
  }

  std::int64_t flops(std::span<const Shape>, const Shape& output) const override {
    return 3 * element_count(output);
  }

 private:
  // Returns the class count and the number of values after the class axis.
  std::pair<std::int64_t, std::int64_t> check(const Shape& shape) const {
    layers::require_rank(*this, shape, 2, true);
    const auto rank = static_cast<std::int64_t>(shape.size());
    if ((axis_ < 0 ? axis_ + rank : axis_) != 1) {
      throw InvalidArgument(label(*this) + ": axis " + std::to_string(axis_) + " of input " +
                            to_string(shape) + " is not the class axis 1, the only one supported");
    }
    return {shape[1], element_count(Shape(shape.begin() + 2, shape.end()))};
  }

  std::int64_t axis_;
};

}  // namespace

std::shared_ptr<const Layer> make_softmax(std::int64_t axis) {
  return std::make_shared<const Softmax>(axis);
}

namespace layers {
std::optional<std::int64_t> softmax_axis(const Layer& layer) {
  if (const auto* softmax = dynamic_cast<const Softmax*>(&layer)) return softmax->axis();
  return std::nullopt;
}
}  // namespace layers

}  // namespace lumen
