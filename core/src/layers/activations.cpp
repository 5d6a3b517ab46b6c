#include <cmath>
#include <sstream>

#include "layers/activation.hpp"
#include "layers/common.hpp"
#include "lumen/error.hpp"
#include "lumen/layer_config.hpp"
#include "lumen/layers.hpp"

namespace lumen {
namespace {

using layers::Activation;
using layers::make_activation;

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
