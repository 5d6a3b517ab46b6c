#include "lumen/training/optimizer.hpp"

#include <cmath>
#include <string>

#include "lumen/error.hpp"

namespace lumen::training {
namespace {

void require(bool ok, const std::string& what, float value) {
  if (!ok) throw InvalidArgument("optimizer: " + what + " " + std::to_string(value));
}

}  // namespace

Optimizer::Optimizer(OptimizerOptions options) : options_(options) {
  const auto& o = options_;
  require(std::isfinite(o.learning_rate) && o.learning_rate >= 0.0F,
          "learning_rate must be finite and >= 0, got", o.learning_rate);
  require(o.momentum >= 0.0F && o.momentum < 1.0F, "momentum must be in [0, 1), got", o.momentum);
  require(o.beta1 >= 0.0F && o.beta1 < 1.0F, "beta1 must be in [0, 1), got", o.beta1);
  require(o.beta2 >= 0.0F && o.beta2 < 1.0F, "beta2 must be in [0, 1), got", o.beta2);
  require(o.epsilon > 0.0F, "epsilon must be > 0, got", o.epsilon);
  require(std::isfinite(o.weight_decay) && o.weight_decay >= 0.0F,
          "weight_decay must be finite and >= 0, got", o.weight_decay);
}

void Optimizer::step(std::vector<Tensor>& parameters, const std::vector<Tensor>& gradients,
                     const std::vector<bool>& decay) {
  if (gradients.size() != parameters.size() || decay.size() != parameters.size()) {
    throw InvalidArgument("optimizer: " + std::to_string(parameters.size()) + " parameters, " +
                          std::to_string(gradients.size()) + " gradients and " +
                          std::to_string(decay.size()) + " decay flags");
  }
  if (first_.empty()) {
    for (const auto& p : parameters) {
      first_.emplace_back(p.shape());
      if (options_.kind == OptimizerOptions::Kind::adam) second_.emplace_back(p.shape());
    }
  }
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    if (parameters[i].shape() != first_[i].shape() ||
        gradients[i].shape() != parameters[i].shape()) {
      throw InvalidArgument("optimizer: parameter " + std::to_string(i) + " " +
                            to_string(parameters[i].shape()) + " with gradient " +
                            to_string(gradients[i].shape()) + " does not match its state " +
                            to_string(first_[i].shape()));
    }
  }
  ++steps_;
  const auto& o = options_;
  const double correction1 = 1.0 - std::pow(static_cast<double>(o.beta1), steps_);
  const double correction2 = 1.0 - std::pow(static_cast<double>(o.beta2), steps_);
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    Tensor& w = parameters[i];
    Tensor& m = first_[i];
    const float wd = decay[i] ? o.weight_decay : 0.0F;
    for (std::int64_t j = 0; j < w.size(); ++j) {
      const float g = gradients[i][j] + wd * w[j];
      if (o.kind == OptimizerOptions::Kind::sgd) {
        m[j] = o.momentum * m[j] + g;
        w[j] -= o.learning_rate * m[j];
      } else {
        Tensor& v = second_[i];
        m[j] = o.beta1 * m[j] + (1.0F - o.beta1) * g;
        v[j] = o.beta2 * v[j] + (1.0F - o.beta2) * g * g;
        const double m_hat = m[j] / correction1, v_hat = v[j] / correction2;
        w[j] -= static_cast<float>(o.learning_rate * m_hat / (std::sqrt(v_hat) + o.epsilon));
      }
    }
  }
}

}  // namespace lumen::training
