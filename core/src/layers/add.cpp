#include "layers/broadcast.hpp"
#include "layers/common.hpp"
#include "lumen/error.hpp"
#include "lumen/layers.hpp"

namespace lumen {
namespace {

using layers::label;

class Add final : public Layer {
 public:
  std::string op_type() const override { return "Add"; }
  LayerKind kind() const override { return LayerKind::structural; }

  Shape output_shape(std::span<const Shape> inputs) const override {
    if (inputs.size() < 2) {
      throw ShapeError("Add: expects at least 2 inputs, got " + std::to_string(inputs.size()));
    }
    return layers::broadcast_shape(*this, inputs);
  }

  Tensor forward(TensorRefs inputs, const Backend&, std::unique_ptr<LayerState>*) const override {
    const auto shapes = layers::shapes_of(inputs);
    Tensor y(output_shape(shapes));
    std::vector<Tensor> expanded;  // only the broadcast inputs
    std::vector<const float*> sources;
    for (const auto* x : inputs) {
      if (x->shape() == y.shape()) {
        sources.push_back(x->data());
        continue;
      }
      expanded.push_back(layers::expand_to(*x, y.shape()));
    }
    for (const auto& e : expanded) sources.push_back(e.data());
    float* out = y.data();
    for_each_block(y.size(), [&](std::int64_t begin, std::int64_t end) {
      for (const float* in : sources) {
        for (std::int64_t i = begin; i < end; ++i) out[i] += in[i];
      }
    });
    return y;
  }

  std::vector<Tensor> backward(TensorRefs inputs, const Tensor&, const LayerState*,
                               const Tensor& grad_output, const Backend&) const override {
    const auto shapes = layers::shapes_of(inputs);
    if (grad_output.shape() != output_shape(shapes)) {
      throw ShapeError("Add: output gradient " + to_string(grad_output.shape()) +
                       " does not match the inputs " + layers::to_string(shapes));
    }
    std::vector<Tensor> out;
    for (const auto& s : shapes) out.push_back(layers::reduce_to(grad_output, s));
    return out;
  }

  std::int64_t flops(std::span<const Shape> inputs, const Shape& output) const override {
    return inputs.empty() ? 0
                          : element_count(output) * static_cast<std::int64_t>(inputs.size() - 1);
  }
};

// x + c with c broadcast numpy-style to x's shape (never the other way round).
class AddConstant final : public Layer {
 public:
  explicit AddConstant(Tensor constant) : constant_(std::move(constant)) {
    if (constant_.size() != element_count(constant_.shape())) {
      throw InvalidArgument("Add: the constant has no values");
    }
  }

  std::string op_type() const override { return "Add"; }
  LayerKind kind() const override { return LayerKind::structural; }
  std::string describe() const override { return "constant " + to_string(constant_.shape()); }

  Shape output_shape(std::span<const Shape> inputs) const override {
    layers::require_input_count(*this, inputs.size(), 1);
    layers::require_broadcastable(*this, constant_.shape(), inputs[0]);
    return inputs[0];
  }

  Tensor forward(TensorRefs inputs, const Backend&, std::unique_ptr<LayerState>*) const override {
    layers::require_input_count(*this, inputs.size(), 1);
    const Tensor& x = *inputs[0];
    output_shape(std::span<const Shape>(&x.shape(), 1));
    return layers::broadcast_apply(x, constant_, [](float v, float c) { return v + c; });
  }

  std::vector<Tensor> backward(TensorRefs inputs, const Tensor&, const LayerState*,
                               const Tensor& grad_output, const Backend&) const override {
    layers::require_input_count(*this, inputs.size(), 1);
    if (grad_output.shape() != inputs[0]->shape()) {
      throw ShapeError(label(*this) + ": output gradient " + to_string(grad_output.shape()) +
                       " does not match the input " + to_string(inputs[0]->shape()));
    }
    return {grad_output};
  }

  std::int64_t flops(std::span<const Shape>, const Shape& output) const override {
    return element_count(output);
  }

 private:
  Tensor constant_;
};

}  // namespace

std::shared_ptr<const Layer> make_add() { return std::make_shared<const Add>(); }

std::shared_ptr<const Layer> make_add_constant(Tensor constant) {
  return std::make_shared<const AddConstant>(std::move(constant));
}

}  // namespace lumen
