#pragma once
// The element-wise activation layer template shared by the activation files (internal to the core
// library).
#include <memory>
#include <string>

#include "layers/common.hpp"
#include "lumen/error.hpp"

namespace lumen::layers {

// An element-wise activation given by y = f(x) and dy/dx as a function of x and y.
template <class Function>
class Activation final : public Layer {
 public:
  const Function& function() const { return f_; }
  Activation(std::string op_type, Function function, std::string description = {})
      : op_type_(std::move(op_type)), f_(function), description_(std::move(description)) {}

  std::string op_type() const override { return op_type_; }
  LayerKind kind() const override { return LayerKind::activation; }

  Shape output_shape(std::span<const Shape> inputs) const override {
    layers::require_input_count(*this, inputs.size(), 1);
    return inputs[0];
  }

  Tensor forward(TensorRefs inputs, const Backend&, std::unique_ptr<LayerState>*) const override {
    layers::require_input_count(*this, inputs.size(), 1);
    const Tensor& x = *inputs[0];
    auto y = Tensor::uninitialised(x.shape());
    // Raw pointers: through operator[] the compiler cannot rule out aliasing, and does not
    // vectorise.
    const float* in = x.data();
    float* out = y.data();
    for_each_block(x.size(), [&](std::int64_t begin, std::int64_t end) {
      for (std::int64_t i = begin; i < end; ++i) out[i] = f_.value(in[i]);
    });
    return y;
  }

  std::vector<Tensor> backward(TensorRefs inputs, const Tensor& output, const LayerState*,
                               const Tensor& grad_output, const Backend&) const override {
    layers::require_input_count(*this, inputs.size(), 1);
    const Tensor& x = *inputs[0];
    if (output.shape() != x.shape() || grad_output.shape() != x.shape()) {
      throw ShapeError(layers::label(*this) + ": input " + lumen::to_string(x.shape()) +
                       ", output " + lumen::to_string(output.shape()) + " and output gradient " +
                       lumen::to_string(grad_output.shape()) + " must have the same shape");
    }
    auto dx = Tensor::uninitialised(x.shape());
    const float* in = x.data();
    const float* out = output.data();
    const float* dy = grad_output.data();
    float* d = dx.data();
    for_each_block(x.size(), [&](std::int64_t begin, std::int64_t end) {
      for (std::int64_t i = begin; i < end; ++i) d[i] = dy[i] * f_.derivative(in[i], out[i]);
    });
    return layers::single(std::move(dx));
  }

  std::int64_t flops(std::span<const Shape>, const Shape& output) const override {
    return element_count(output);
  }

  std::string describe() const override { return description_; }

 private:
  std::string op_type_;
  Function f_;
  std::string description_;
};

template <class Function>
std::shared_ptr<const Layer> make_activation(std::string op_type, Function f,
                                             std::string description = {}) {
  return std::make_shared<const Activation<Function>>(std::move(op_type), f,
                                                      std::move(description));
}

}  // namespace lumen::layers
