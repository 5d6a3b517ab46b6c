#include <cmath>
#include <sstream>

#include "layers/common.hpp"
#include "lumen/error.hpp"
#include "lumen/layers.hpp"

namespace lumen {
namespace {

using layers::at;
using layers::label;

// Inference batch-norm folded into y = a_c x + b_c per channel c of axis 1.
class BatchNorm final : public LinearLayer {
 public:
  BatchNorm(const Tensor& scale, const Tensor& bias, const Tensor& mean, const Tensor& variance,
            float epsilon)
      : epsilon_(epsilon) {
    if (scale.rank() != 1 || scale.empty()) {
      throw InvalidArgument("BatchNormalization: scale must be a non-empty vector, got " +
                            to_string(scale.shape()));
    }
    const std::pair<const char*, const Tensor*> others[] = {
        {"bias", &bias}, {"mean", &mean}, {"variance", &variance}};
    for (const auto& [name, t] : others) {
      if (t->shape() != scale.shape()) {
        throw InvalidArgument(std::string("BatchNormalization: ") + name + " has shape " +
                              to_string(t->shape()) + ", scale " + to_string(scale.shape()));
      }
    }
    if (!(epsilon >= 0.0F)) {
      throw InvalidArgument("BatchNormalization: epsilon " + std::to_string(epsilon) +
                            " must be >= 0");
    }
    a_ = Tensor(scale.shape());
    b_ = Tensor(scale.shape());
    for (std::int64_t c = 0; c < scale.size(); ++c) {
      const double v = static_cast<double>(variance[c]) + epsilon;
      if (!(v > 0.0)) {
        throw InvalidArgument("BatchNormalization: variance " + std::to_string(variance[c]) +
                              " of channel " + std::to_string(c) + " plus epsilon is not positive");
      }
      const double a = scale[c] / std::sqrt(v);
      a_[c] = static_cast<float>(a);
      b_[c] = static_cast<float>(bias[c] - mean[c] * a);
    }
  }

  std::string op_type() const override { return "BatchNormalization"; }
  LayerKind kind() const override { return LayerKind::normalisation; }

  Shape output_shape(std::span<const Shape> inputs) const override {
    layers::require_input_count(*this, inputs.size(), 1);
    check_input(inputs[0]);
    return inputs[0];
  }

  Tensor forward_with(const Tensor& x, const WeightTransform& t, bool with_bias,
                      const Backend&) const override {
    const auto inner = check_input(x.shape());
    Tensor y(x.shape());
    const auto channels = a_.size();
    for (std::int64_t i = 0; i < x.size(); ++i) {
      const auto c = (i / inner) % channels;
      y[i] = t(a_[c]) * x[i] + (with_bias ? t(b_[c]) : 0.0F);
    }
    return y;
  }

  Tensor backward_with(const Tensor& grad_y, const Shape& input_shape, const WeightTransform& t,
                       const Backend&) const override {
    const auto inner = check_input(input_shape);
    if (grad_y.shape() != input_shape) {
      throw ShapeError(label(*this) + ": output gradient " + to_string(grad_y.shape()) +
                       " does not match the input " + to_string(input_shape));
    }
    Tensor dx(input_shape);
    const auto channels = a_.size();
    for (std::int64_t i = 0; i < dx.size(); ++i) dx[i] = t(a_[(i / inner) % channels]) * grad_y[i];
    return dx;
  }

  std::int64_t parameter_count() const override { return 2 * a_.size(); }
  std::int64_t flops(std::span<const Shape>, const Shape& output) const override {
    return 2 * element_count(output);
  }
  std::string describe() const override {
    std::ostringstream out;
    out << a_.size() << " channels eps " << epsilon_;
    return out.str();
  }

 private:
  // Returns the number of values per channel and sample.
  std::int64_t check_input(const Shape& input) const {
    layers::require_rank(*this, input, 2, true);
    if (input[1] != a_.size()) {
      throw ShapeError(label(*this) + ": input " + to_string(input) + " has " +
                       std::to_string(input[1]) + " channels, the layer " +
                       std::to_string(a_.size()));
    }
    return element_count(Shape(input.begin() + 2, input.end()));
  }

  Tensor a_, b_;
  float epsilon_;
};

}  // namespace

std::shared_ptr<const Layer> make_batch_norm(Tensor scale, Tensor bias, Tensor mean,
                                             Tensor variance, float epsilon) {
  return std::make_shared<const BatchNorm>(scale, bias, mean, variance, epsilon);
}

}  // namespace lumen
