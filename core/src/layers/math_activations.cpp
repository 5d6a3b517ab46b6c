// Element-wise mathematical functions as activations: GELU, Erf, Sqrt, Pow, Reciprocal, Exp, Abs.
#include <cmath>
#include <sstream>

#include "layers/activation.hpp"
#include "lumen/error.hpp"
#include "lumen/math_layers.hpp"

namespace lumen {
namespace {

using layers::make_activation;

constexpr float kInvSqrt2 = 0.70710678118654752F;
constexpr float kInvSqrt2Pi = 0.39894228040143268F;  // 1 / sqrt(2 pi)
constexpr float kTwoOverSqrtPi = 1.1283791670955126F;
constexpr float kSqrt2OverPi = 0.79788456080286536F;
constexpr float kCubic = 0.044715F;

struct GeluErfFunction {
  float value(float x) const { return 0.5F * x * (1.0F + std::erf(x * kInvSqrt2)); }
  float derivative(float x, float) const {
    return 0.5F * (1.0F + std::erf(x * kInvSqrt2)) + x * kInvSqrt2Pi * std::exp(-0.5F * x * x);
  }
};

struct GeluTanhFunction {
  float value(float x) const {
    return 0.5F * x * (1.0F + std::tanh(kSqrt2OverPi * (x + kCubic * x * x * x)));
  }
  float derivative(float x, float) const {
    const float t = std::tanh(kSqrt2OverPi * (x + kCubic * x * x * x));
    return 0.5F * (1.0F + t) +
           0.5F * x * (1.0F - t * t) * kSqrt2OverPi * (1.0F + 3.0F * kCubic * x * x);
  }
};

struct ErfFunction {
  float value(float x) const { return std::erf(x); }
  float derivative(float x, float) const { return kTwoOverSqrtPi * std::exp(-x * x); }
};

struct SqrtFunction {
  float value(float x) const { return std::sqrt(x); }
  float derivative(float, float y) const { return 0.5F / y; }
};

struct PowFunction {
  float exponent;
  float value(float x) const { return std::pow(x, exponent); }
  float derivative(float x, float) const {
    return exponent == 0.0F ? 0.0F : exponent * std::pow(x, exponent - 1.0F);
  }
};

struct ReciprocalFunction {
  float value(float x) const { return 1.0F / x; }
  float derivative(float, float y) const { return -y * y; }
};

struct ExpFunction {
  float value(float x) const { return std::exp(x); }
  float derivative(float, float y) const { return y; }
};

struct AbsFunction {
  float value(float x) const { return std::fabs(x); }
  float derivative(float x, float) const { return x > 0.0F ? 1.0F : (x < 0.0F ? -1.0F : 0.0F); }
};

}  // namespace

std::shared_ptr<const Layer> make_gelu(GeluApproximation approximation) {
  if (approximation == GeluApproximation::tanh) {
    return make_activation("Gelu", GeluTanhFunction{}, "approximate tanh");
  }
  return make_activation("Gelu", GeluErfFunction{});
}

std::shared_ptr<const Layer> make_erf() { return make_activation("Erf", ErfFunction{}); }

std::shared_ptr<const Layer> make_sqrt() { return make_activation("Sqrt", SqrtFunction{}); }

std::shared_ptr<const Layer> make_pow(float exponent) {
  if (!std::isfinite(exponent)) {
    throw InvalidArgument("Pow: the exponent must be finite, got " + std::to_string(exponent));
  }
  std::ostringstream description;
  description << "exponent " << exponent;
  return make_activation("Pow", PowFunction{exponent}, description.str());
}

std::shared_ptr<const Layer> make_reciprocal() {
  return make_activation("Reciprocal", ReciprocalFunction{});
}

std::shared_ptr<const Layer> make_exp() { return make_activation("Exp", ExpFunction{}); }

std::shared_ptr<const Layer> make_abs() { return make_activation("Abs", AbsFunction{}); }

}  // namespace lumen
