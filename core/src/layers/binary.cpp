// Element-wise Mul, Sub and Div of two computed tensors, NumPy broadcasting (squeeze-and-excitation
// x * gate with the gate [N,C,1,1], SiLU x * sigmoid(x), normalisation x / s). The gradient of a
// broadcast operand is summed over the axes it was repeated along.
#include "layers/broadcast.hpp"
#include "layers/common.hpp"
#include "lumen/binary_layers.hpp"
#include "lumen/error.hpp"

namespace lumen {
namespace {

using layers::label;

enum class BinaryOp { mul, sub, div };

class Binary final : public Layer {
 public:
  explicit Binary(BinaryOp op) : op_(op) {}

  std::string op_type() const override {
    return op_ == BinaryOp::mul ? "Mul" : (op_ == BinaryOp::sub ? "Sub" : "Div");
  }
  LayerKind kind() const override { return LayerKind::structural; }

  Shape output_shape(std::span<const Shape> inputs) const override {
    layers::require_input_count(*this, inputs.size(), 2);
    return layers::broadcast_shape(*this, inputs);
  }

  Tensor forward(TensorRefs inputs, const Backend&, std::unique_ptr<LayerState>*) const override {
    const auto shape = output_shape(layers::shapes_of(inputs));
    const Tensor a = layers::expand_to(*inputs[0], shape);
    const Tensor b = layers::expand_to(*inputs[1], shape);
    auto y = Tensor::uninitialised(shape);
    const float* as = a.data();
    const float* bs = b.data();
    float* ys = y.data();
    switch (op_) {
      case BinaryOp::mul: apply(y.size(), [&](std::int64_t i) { ys[i] = as[i] * bs[i]; }); break;
      case BinaryOp::sub: apply(y.size(), [&](std::int64_t i) { ys[i] = as[i] - bs[i]; }); break;
      case BinaryOp::div: apply(y.size(), [&](std::int64_t i) { ys[i] = as[i] / bs[i]; }); break;
    }
    return y;
  }

  std::vector<Tensor> backward(TensorRefs inputs, const Tensor&, const LayerState*,
                               const Tensor& grad_output, const Backend&) const override {
    const auto shape = output_shape(layers::shapes_of(inputs));
    if (grad_output.shape() != shape) {
      throw ShapeError(label(*this) + ": output gradient " + to_string(grad_output.shape()) +
                       " does not match the output " + to_string(shape));
    }
    if (op_ == BinaryOp::div) return divide_backward(inputs, grad_output, shape);
    std::vector<Tensor> out;
    for (std::size_t k = 0; k < 2; ++k) {
      Tensor g = op_ == BinaryOp::mul ? times(grad_output, layers::expand_to(*inputs[1 - k], shape))
                                      : grad_output;
      if (op_ == BinaryOp::sub && k == 1) {
        for (auto& v : g.values()) v = -v;
      }
      out.push_back(layers::reduce_to(g, inputs[k]->shape()));
    }
    return out;
  }

  std::int64_t flops(std::span<const Shape>, const Shape& output) const override {
    return element_count(output);
  }

 private:
  template <class Body>
  static void apply(std::int64_t n, Body body) {
    for_each_block(n, [&](std::int64_t begin, std::int64_t end) {
      for (std::int64_t i = begin; i < end; ++i) body(i);
    });
  }

  // y = a / b: dy/da = 1 / b, dy/db = -a / b^2.
  static std::vector<Tensor> divide_backward(TensorRefs inputs, const Tensor& grad_output,
                                             const Shape& shape) {
    const Tensor a = layers::expand_to(*inputs[0], shape);
    const Tensor b = layers::expand_to(*inputs[1], shape);
    auto da = Tensor::uninitialised(shape), db = Tensor::uninitialised(shape);
    const float* as = a.data();
    const float* bs = b.data();
    const float* g = grad_output.data();
    float* das = da.data();
    float* dbs = db.data();
    apply(da.size(), [&](std::int64_t i) {
      das[i] = g[i] / bs[i];
      dbs[i] = -das[i] * as[i] / bs[i];
    });
    std::vector<Tensor> out;
    out.push_back(layers::reduce_to(da, inputs[0]->shape()));
    out.push_back(layers::reduce_to(db, inputs[1]->shape()));
    return out;
  }

  static Tensor times(const Tensor& a, const Tensor& b) {
    auto out = Tensor::uninitialised(a.shape());
    const float* as = a.data();
    const float* bs = b.data();
    float* os = out.data();
    for_each_block(out.size(), [&](std::int64_t begin, std::int64_t end) {
      for (std::int64_t i = begin; i < end; ++i) os[i] = as[i] * bs[i];
    });
    return out;
  }

  BinaryOp op_;
};

}  // namespace

std::shared_ptr<const Layer> make_mul() { return std::make_shared<const Binary>(BinaryOp::mul); }

std::shared_ptr<const Layer> make_sub() { return std::make_shared<const Binary>(BinaryOp::sub); }

std::shared_ptr<const Layer> make_div() { return std::make_shared<const Binary>(BinaryOp::div); }

}  // namespace lumen
