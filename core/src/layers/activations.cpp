#include <cmath>
#include <sstream>

#include "layers/common.hpp"
#include "lumen/error.hpp"
#include "lumen/layer_config.hpp"
#include "lumen/layers.hpp"

namespace lumen {
namespace {

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
      throw ShapeError(layers::label(*this) + ": input " + to_string(x.shape()) + ", output " +
                       to_string(output.shape()) + " and output gradient " +
                       to_string(grad_output.shape()) + " must have the same shape");
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

// NaN passes through ReLU and LeakyRelu (as in PyTorch and ONNX), so an input that overflows inside
// the model shows up as non-finite scores instead of being silently zeroed.
struct ReluFunction {
  float value(float x) const { return x < 0.0F ? 0.0F : x; }
  float derivative(float x, float) const { return x > 0.0F ? 1.0F : 0.0F; }
};

struct LeakyReluFunction {
  float alpha;
  float value(float x) const { return x < 0.0F ? alpha * x : x; }
  float derivative(float x, float) const { return x > 0.0F ? 1.0F : alpha; }
};

struct SigmoidFunction {
  float value(float x) const { return 1.0F / (1.0F + std::exp(-x)); }
  float derivative(float, float y) const { return y * (1.0F - y); }
};

struct TanhFunction {
  float value(float x) const { return std::tanh(x); }
  float derivative(float, float y) const { return 1.0F - y * y; }
};

// The clamping activations compare so that NaN falls through to the identity branch and passes,
// as through ReLU. Their derivative is 0 at the kinks, as PyTorch's hardtanh, hardsigmoid and
// hardswish backward.
struct ClipFunction {
  float low;
  float high;
  float value(float x) const { return x < low ? low : (x > high ? high : x); }
  float derivative(float x, float) const { return x > low && x < high ? 1.0F : 0.0F; }
};

struct HardSigmoidFunction {
  float alpha;
  float beta;
  float value(float x) const {
    const float t = alpha * x + beta;
    return t < 0.0F ? 0.0F : (t > 1.0F ? 1.0F : t);
  }
  float derivative(float x, float) const {
    const float t = alpha * x + beta;
    return t > 0.0F && t < 1.0F ? alpha : 0.0F;
  }
};

// x * relu6(x + 3) / 6: 0 below -3, x above 3.
struct HardSwishFunction {
  float value(float x) const {
    return x < -3.0F ? 0.0F : (x > 3.0F ? x : x * (x + 3.0F) * (1.0F / 6.0F));
  }
  float derivative(float x, float) const {
    return x < -3.0F ? 0.0F : (x > 3.0F ? 1.0F : x * (1.0F / 3.0F) + 0.5F);
  }
};

std::string number(float v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

}  // namespace

std::shared_ptr<const Layer> make_relu() { return make_activation("Relu", ReluFunction{}); }

std::shared_ptr<const Layer> make_leaky_relu(float alpha) {
  if (!std::isfinite(alpha)) {
    throw InvalidArgument("LeakyRelu: alpha must be finite, got " + std::to_string(alpha));
  }
  std::ostringstream description;
  description << "alpha " << alpha;
  return make_activation("LeakyRelu", LeakyReluFunction{alpha}, description.str());
}

std::shared_ptr<const Layer> make_sigmoid() {
  return make_activation("Sigmoid", SigmoidFunction{});
}

std::shared_ptr<const Layer> make_tanh() { return make_activation("Tanh", TanhFunction{}); }

std::shared_ptr<const Layer> make_clip(float min, float max) {
  if (std::isnan(min) || std::isnan(max) || min > max) {
    throw InvalidArgument("Clip: min and max must be numbers with min <= max, got min " +
                          number(min) + ", max " + number(max));
  }
  return make_activation("Clip", ClipFunction{min, max},
                         "min " + number(min) + " max " + number(max));
}

std::shared_ptr<const Layer> make_hard_sigmoid(float alpha, float beta) {
  if (!std::isfinite(alpha) || !std::isfinite(beta)) {
    throw InvalidArgument("HardSigmoid: alpha and beta must be finite, got alpha " + number(alpha) +
                          ", beta " + number(beta));
  }
  return make_activation("HardSigmoid", HardSigmoidFunction{alpha, beta},
                         "alpha " + number(alpha) + " beta " + number(beta));
}

std::shared_ptr<const Layer> make_hard_swish() {
  return make_activation("HardSwish", HardSwishFunction{});
}

std::optional<float> leaky_relu_alpha(const Layer& layer) {
  if (const auto* leaky = dynamic_cast<const Activation<LeakyReluFunction>*>(&layer)) {
    return leaky->function().alpha;
  }
  return std::nullopt;
}

}  // namespace lumen
