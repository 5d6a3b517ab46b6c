// ONNX LayerNormalization: each sample is normalised over its trailing axes [axis, rank),
// y = scale * (x - mean) / sqrt(var + epsilon) + bias (biased variance), with scale and bias of the
// normalised shape. Unlike batch-norm, the statistics are the input's own, so the layer is not
// linear in x (kind normalisation); relevance through it: Note [relevance through LayerNorm] in
// core/src/layer_norm_relevance.cpp.
#include <cmath>
#include <sstream>

#include "layers/common.hpp"
#include "lumen/error.hpp"
#include "lumen/normalisation_layers.hpp"

namespace lumen {
namespace {

using layers::at;
using layers::label;

class LayerNorm final : public Layer {
 public:
  LayerNorm(std::int64_t axis, Tensor scale, std::optional<Tensor> bias, float epsilon)
      : axis_(axis), scale_(std::move(scale)), bias_(std::move(bias)), epsilon_(epsilon) {
    if (scale_.rank() == 0 || scale_.empty()) {
      throw InvalidArgument("LayerNormalization: scale must be a non-empty tensor, got " +
                            to_string(scale_.shape()));
    }
    if (bias_ && bias_->shape() != scale_.shape()) {
      throw InvalidArgument("LayerNormalization: bias has shape " + to_string(bias_->shape()) +
                            ", scale " + to_string(scale_.shape()));
    }
    if (!(epsilon > 0.0F) || !std::isfinite(epsilon)) {
      throw InvalidArgument("LayerNormalization: epsilon " + std::to_string(epsilon) +
                            " must be a positive number");
    }
  }

  LayerNormParams params() const { return {axis_, scale_, bias_, epsilon_}; }

  std::string op_type() const override { return "LayerNormalization"; }
  LayerKind kind() const override { return LayerKind::normalisation; }
  std::string describe() const override {
    std::ostringstream out;
    out << "axis " << axis_ << " over " << to_string(scale_.shape()) << " eps " << epsilon_
        << (bias_ ? "" : " no bias");
    return out.str();
  }

  Shape output_shape(std::span<const Shape> inputs) const override {
    layers::require_input_count(*this, inputs.size(), 1);
    groups_of(inputs[0]);
    return inputs[0];
  }

  Tensor forward(TensorRefs inputs, const Backend&, std::unique_ptr<LayerState>*) const override {
    layers::require_input_count(*this, inputs.size(), 1);
    const Tensor& x = *inputs[0];
    const auto groups = groups_of(x.shape());
    const auto n = scale_.size();
    Tensor y(x.shape());
    for (std::int64_t g = 0; g < groups; ++g) {
      const auto s = statistics(x, g);
      for (std::int64_t i = 0; i < n; ++i) {
        const auto k = g * n + i;
        y[k] = static_cast<float>(scale_[i] * (x[k] - s.mean) * s.inv_std +
                                  (bias_ ? (*bias_)[i] : 0.0F));
      }
    }
    return y;
  }

  // With h = scale * g and x_hat the normalised input, over each group of n values:
  // dx = inv_std * (h - mean(h) - x_hat * mean(h * x_hat)).
  std::vector<Tensor> backward(TensorRefs inputs, const Tensor&, const LayerState*,
                               const Tensor& grad_output, const Backend&) const override {
    layers::require_input_count(*this, inputs.size(), 1);
    const Tensor& x = *inputs[0];
    const auto groups = groups_of(x.shape());
    layers::require_output_gradient(*this, x.shape(), grad_output);
    const auto n = scale_.size();
    Tensor dx(x.shape());
    std::vector<double> x_hat(at(n)), h(at(n));
    for (std::int64_t g = 0; g < groups; ++g) {
      const auto s = statistics(x, g);
      double mean_h = 0.0, mean_h_x_hat = 0.0;
      for (std::int64_t i = 0; i < n; ++i) {
        const auto k = g * n + i;
        x_hat[at(i)] = (x[k] - s.mean) * s.inv_std;
        h[at(i)] = static_cast<double>(scale_[i]) * grad_output[k];
        mean_h += h[at(i)];
        mean_h_x_hat += h[at(i)] * x_hat[at(i)];
      }
      mean_h /= static_cast<double>(n);
      mean_h_x_hat /= static_cast<double>(n);
      for (std::int64_t i = 0; i < n; ++i) {
        dx[g * n + i] =
            static_cast<float>(s.inv_std * (h[at(i)] - mean_h - x_hat[at(i)] * mean_h_x_hat));
      }
    }
    return layers::single(std::move(dx));
  }

  std::int64_t parameter_count() const override { return scale_.size() * (bias_ ? 2 : 1); }

  std::vector<const Tensor*> parameters() const override {
    if (bias_) return {&scale_, &*bias_};
    return {&scale_};
  }

  // d scale = sum(g * x_hat), d bias = sum(g), over the batch and the leading axes.
  std::vector<Tensor> parameter_gradients(TensorRefs inputs, const Tensor&, const LayerState*,
                                          const Tensor& grad_output,
                                          const Backend&) const override {
    layers::require_input_count(*this, inputs.size(), 1);
    const Tensor& x = *inputs[0];
    const auto groups = groups_of(x.shape());
    layers::require_output_gradient(*this, x.shape(), grad_output);
    const auto n = scale_.size();
    std::vector<double> d_scale(at(n), 0.0), d_bias(at(n), 0.0);
    for (std::int64_t g = 0; g < groups; ++g) {
      const auto s = statistics(x, g);
      for (std::int64_t i = 0; i < n; ++i) {
        const auto k = g * n + i;
        d_scale[at(i)] += grad_output[k] * (x[k] - s.mean) * s.inv_std;
        d_bias[at(i)] += grad_output[k];
      }
    }
    std::vector<Tensor> out;
    out.push_back(as_tensor(d_scale));
    if (bias_) out.push_back(as_tensor(d_bias));
    return out;
  }

  std::shared_ptr<const Layer> with_parameters(std::vector<Tensor> values) const override {
    static constexpr const char* names[] = {"scale", "bias"};
    const auto current = parameters();
    layers::require_parameters(*this, values, std::span(names, current.size()), current);
    std::optional<Tensor> bias;
    if (bias_) bias = std::move(values[1]);
    return std::make_shared<const LayerNorm>(axis_, std::move(values[0]), std::move(bias),
                                             epsilon_);
  }

  std::int64_t flops(std::span<const Shape>, const Shape& output) const override {
    return 7 * element_count(output);
  }

 private:
  struct Statistics {
    double mean = 0.0;
    double inv_std = 0.0;  // 1 / sqrt(var + epsilon)
  };

  // Mean and inverse standard deviation of group g (values g*n .. g*n + n - 1).
  Statistics statistics(const Tensor& x, std::int64_t g) const {
    const auto n = scale_.size();
    double sum = 0.0;
    for (std::int64_t i = 0; i < n; ++i) sum += x[g * n + i];
    Statistics s;
    s.mean = sum / static_cast<double>(n);
    double squares = 0.0;
    for (std::int64_t i = 0; i < n; ++i) {
      const double d = x[g * n + i] - s.mean;
      squares += d * d;
    }
    s.inv_std = 1.0 / std::sqrt(squares / static_cast<double>(n) + epsilon_);
    return s;
  }

  Tensor as_tensor(const std::vector<double>& values) const {
    Tensor t(scale_.shape());
    for (std::int64_t i = 0; i < t.size(); ++i) t[i] = static_cast<float>(values[at(i)]);
    return t;
  }

  // The number of groups normalised separately (batch and leading axes); throws ShapeError unless
  // the trailing axes from axis on are the scale's shape and axis is not the batch axis.
  std::int64_t groups_of(const Shape& input) const {
    const auto rank = static_cast<std::int64_t>(input.size());
    const auto axis = axis_ < 0 ? axis_ + rank : axis_;
    if (axis < 1 || axis >= rank) {
      throw ShapeError(label(*this) + ": axis " + std::to_string(axis_) + " of input " +
                       to_string(input) +
                       " is not a non-batch axis; normalising over the batch would mix samples");
    }
    const Shape normalised(input.begin() + axis, input.end());
    if (normalised != scale_.shape()) {
      throw ShapeError(label(*this) + ": input " + to_string(input) + " has the shape " +
                       to_string(normalised) + " from axis " + std::to_string(axis_) +
                       " on, the scale " + to_string(scale_.shape()));
    }
    return element_count(Shape(input.begin(), input.begin() + axis));
  }

  std::int64_t axis_;
  Tensor scale_;
  std::optional<Tensor> bias_;
  float epsilon_;
};

}  // namespace

std::shared_ptr<const Layer> make_layer_norm(std::int64_t axis, Tensor scale,
                                             std::optional<Tensor> bias, float epsilon) {
  return std::make_shared<const LayerNorm>(axis, std::move(scale), std::move(bias), epsilon);
}

std::optional<LayerNormParams> layer_norm_params(const Layer& layer) {
  if (const auto* ln = dynamic_cast<const LayerNorm*>(&layer)) return ln->params();
  return std::nullopt;
}

}  // namespace lumen
