#include "layers/common.hpp"
#include "lumen/error.hpp"
#include "lumen/layers.hpp"

namespace lumen {
namespace {

using layers::label;

// y = x * c with c broadcast numpy-style to x's shape (never the other way round). As a map of x
// it is linear with the implicit diagonal weight c, so the LRP rules reach it through the
// LinearLayer hooks; it has no bias.
class MulConstant final : public LinearLayer {
 public:
  explicit MulConstant(Tensor constant) : constant_(std::move(constant)) {
    if (constant_.size() != element_count(constant_.shape())) {
      throw InvalidArgument("Mul: the constant has no values");
    }
  }

  std::string op_type() const override { return "Mul"; }
  LayerKind kind() const override { return LayerKind::linear; }
  std::string describe() const override { return "constant " + to_string(constant_.shape()); }

  Shape output_shape(std::span<const Shape> inputs) const override {
    layers::require_input_count(*this, inputs.size(), 1);
    check_input(inputs[0]);
    return inputs[0];
  }

  Tensor forward_with(const Tensor& x, const WeightTransform& t, bool,
                      const Backend&) const override {
    check_input(x.shape());
    return scaled(x, t);
  }

  Tensor backward_with(const Tensor& grad_y, const Shape& input_shape, const WeightTransform& t,
                       const Backend&) const override {
    check_input(input_shape);
    if (grad_y.shape() != input_shape) {
      throw ShapeError(label(*this) + ": output gradient " + to_string(grad_y.shape()) +
                       " does not match the input " + to_string(input_shape));
    }
    return scaled(grad_y, t);
  }

  std::int64_t flops(std::span<const Shape>, const Shape& output) const override {
    return element_count(output);
  }

 private:
  void check_input(const Shape& in) const {
    layers::require_broadcastable(*this, constant_.shape(), in);
  }

  // v * t(c), element by element, with c broadcast to v's shape.
  Tensor scaled(const Tensor& v, const WeightTransform& t) const {
    return layers::broadcast_apply(v, layers::transformed(constant_, t),
                                   [](float x, float w) { return x * w; });
  }

  Tensor constant_;
};

}  // namespace

std::shared_ptr<const Layer> make_mul_constant(Tensor constant) {
  return std::make_shared<const MulConstant>(std::move(constant));
}

}  // namespace lumen
