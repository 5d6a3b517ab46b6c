#include "layers/common.hpp"
#include "layers/pool_geometry.hpp"
#include "lumen/error.hpp"

namespace lumen {
namespace {

using layers::label;

// The winners of a max-pool forward pass, recorded for its backward pass.
class MaxPoolState final : public LayerState {
 public:
  MaxPoolState(Shape input_shape, std::vector<std::int32_t> argmax)
      : input_shape(std::move(input_shape)), argmax(std::move(argmax)) {}
  ~MaxPoolState() override;
  Shape input_shape;
  std::vector<std::int32_t> argmax;
};

MaxPoolState::~MaxPoolState() = default;

class MaxPool2d final : public Layer {
 public:
  const Pool2dParams& params() const { return p_; }
  explicit MaxPool2d(Pool2dParams p) : p_(p) {
    p_.count_include_pad = false;
    layers::validate_pool_params("MaxPool", p_);
  }

  std::string op_type() const override { return "MaxPool"; }
  LayerKind kind() const override { return LayerKind::pooling; }

  Shape output_shape(std::span<const Shape> inputs) const override {
    layers::require_input_count(*this, inputs.size(), 1);
    const auto g = layers::pool_geometry(*this, p_, inputs[0]);
    return {g.batch, g.channels, g.out_h, g.out_w};
  }

  Tensor forward(TensorRefs inputs, const Backend& backend,
                 std::unique_ptr<LayerState>* state) const override {
    layers::require_input_count(*this, inputs.size(), 1);
    const Tensor& x = *inputs[0];
    const auto g = layers::pool_geometry(*this, p_, x.shape());
    auto y = Tensor::uninitialised({g.batch, g.channels, g.out_h, g.out_w});
    std::vector<std::int32_t> argmax(state ? layers::at(y.size()) : 0);
    backend.max_pool2d_forward(g, x.data(), y.data(), state ? argmax.data() : nullptr);
    if (state) *state = std::make_unique<MaxPoolState>(x.shape(), std::move(argmax));
    return y;
  }

  std::vector<Tensor> backward(TensorRefs inputs, const Tensor&, const LayerState* state,
                               const Tensor& grad_output, const Backend& backend) const override {
    layers::require_input_count(*this, inputs.size(), 1);
    const Tensor& x = *inputs[0];
    const auto g = layers::pool_geometry(*this, p_, x.shape());
    if (grad_output.shape() != Shape{g.batch, g.channels, g.out_h, g.out_w}) {
      throw ShapeError(label(*this) + ": output gradient " + to_string(grad_output.shape()) +
                       " does not match the output of input " + to_string(x.shape()));
    }
    std::vector<std::int32_t> recomputed;
    const std::int32_t* argmax = nullptr;
    if (state) {
      const auto* recorded = dynamic_cast<const MaxPoolState*>(state);
      if (!recorded || recorded->input_shape != x.shape()) {
        throw InvalidArgument(label(*this) + ": the state given to backward was not recorded " +
                              "by this layer's forward pass on an input of shape " +
                              to_string(x.shape()));
      }
      argmax = recorded->argmax.data();
    } else {
      auto y = Tensor::uninitialised(grad_output.shape());
      recomputed.resize(layers::at(y.size()));
      backend.max_pool2d_forward(g, x.data(), y.data(), recomputed.data());
      argmax = recomputed.data();
    }
    auto dx = Tensor::uninitialised(x.shape());
    backend.max_pool2d_backward(g, grad_output.data(), argmax, dx.data());
    return layers::single(std::move(dx));
  }

  std::int64_t flops(std::span<const Shape>, const Shape& output) const override {
    return element_count(output) * p_.kernel[0] * p_.kernel[1];
  }

  std::string describe() const override { return layers::describe_pool(p_, false); }

 private:
  Pool2dParams p_;
};

}  // namespace

std::shared_ptr<const Layer> make_max_pool2d(Pool2dParams params) {
  return std::make_shared<const MaxPool2d>(params);
}

namespace layers {
std::optional<Pool2dParams> max_pool2d_params(const Layer& layer) {
  if (const auto* pool = dynamic_cast<const MaxPool2d*>(&layer)) return pool->params();
  return std::nullopt;
}
}  // namespace layers

}  // namespace lumen
