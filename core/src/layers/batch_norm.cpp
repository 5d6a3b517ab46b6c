#include <cmath>
#include <sstream>

#include "layers/common.hpp"
#include "lumen/error.hpp"
#include "lumen/layer_config.hpp"
#include "lumen/layers.hpp"

namespace lumen {
namespace {

using layers::label;

// What the training forward records: the batch's statistics per channel and the normalised input.
struct BatchStatistics final : LayerState {
  std::vector<double> mean, variance;  // variance is biased (divides by count)
  std::vector<float> inv_std;
  Tensor normalised;       // x_hat = (x - mean) * inv_std
  std::int64_t count = 0;  // values per channel in the batch
};

// Batch-norm over channel axis 1. Inference folds it into y = a_c x + b_c per channel c; training
// normalises with the batch's own statistics (see forward_training).
class BatchNorm final : public LinearLayer, public TrainingLayer {
 public:
  BatchNormParams params() const { return {scale_, bias_, mean_, variance_, epsilon_}; }
  BatchNorm(Tensor scale, Tensor bias, Tensor mean, Tensor variance, float epsilon)
      : scale_(std::move(scale)),
        bias_(std::move(bias)),
        mean_(std::move(mean)),
        variance_(std::move(variance)),
        epsilon_(epsilon) {
    if (scale_.rank() != 1 || scale_.empty()) {
      throw InvalidArgument("BatchNormalization: scale must be a non-empty vector, got " +
                            to_string(scale_.shape()));
    }
    const std::pair<const char*, const Tensor*> others[] = {
        {"bias", &bias_}, {"mean", &mean_}, {"variance", &variance_}};
    for (const auto& [name, t] : others) {
      if (t->shape() != scale_.shape()) {
        throw InvalidArgument(std::string("BatchNormalization: ") + name + " has shape " +
                              to_string(t->shape()) + ", scale " + to_string(scale_.shape()));
      }
    }
    if (!(epsilon >= 0.0F)) {
      throw InvalidArgument("BatchNormalization: epsilon " + std::to_string(epsilon) +
                            " must be >= 0");
    }
    a_ = Tensor(scale_.shape());
    b_ = Tensor(scale_.shape());
    for (std::int64_t c = 0; c < scale_.size(); ++c) {
      const double v = static_cast<double>(variance_[c]) + epsilon;
      if (!(v > 0.0)) {
        throw InvalidArgument("BatchNormalization: variance " + std::to_string(variance_[c]) +
                              " of channel " + std::to_string(c) + " plus epsilon is not positive");
      }
      const double a = scale_[c] / std::sqrt(v);
      a_[c] = static_cast<float>(a);
      b_[c] = static_cast<float>(bias_[c] - mean_[c] * a);
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
    check_grad(grad_y, input_shape);
    Tensor dx(input_shape);
    const auto channels = a_.size();
    for (std::int64_t i = 0; i < dx.size(); ++i) dx[i] = t(a_[(i / inner) % channels]) * grad_y[i];
    return dx;
  }

  // With a training state: the gradient through the batch statistics,
  // dx = scale * inv_std / m * (m g - sum(g) - x_hat sum(g x_hat)) over the m values of a channel.
  std::vector<Tensor> backward(TensorRefs inputs, const Tensor& output, const LayerState* state,
                               const Tensor& grad_output, const Backend& backend) const override {
    const auto* stats = dynamic_cast<const BatchStatistics*>(state);
    if (!stats) return LinearLayer::backward(inputs, output, state, grad_output, backend);
    layers::require_input_count(*this, inputs.size(), 1);
    const auto inner = check_input(inputs[0]->shape());
    check_grad(grad_output, inputs[0]->shape());
    const auto sums = channel_sums(grad_output, stats->normalised, inner);
    const auto channels = scale_.size();
    const auto m = static_cast<double>(stats->count);
    Tensor dx(inputs[0]->shape());
    for (std::int64_t i = 0; i < dx.size(); ++i) {
      const auto c = layers::at((i / inner) % channels);
      const double g = grad_output[i];
      dx[i] = static_cast<float>(scale_[static_cast<std::int64_t>(c)] * stats->inv_std[c] / m *
                                 (m * g - sums.g[c] - stats->normalised[i] * sums.g_x_hat[c]));
    }
    return layers::single(std::move(dx));
  }

  std::int64_t parameter_count() const override { return 2 * a_.size(); }

  std::vector<const Tensor*> parameters() const override { return {&scale_, &bias_}; }

  // d scale = sum(g x_hat), d bias = sum(g); x_hat uses the batch's statistics with a training
  // state and the running ones otherwise.
  std::vector<Tensor> parameter_gradients(TensorRefs inputs, const Tensor&, const LayerState* state,
                                          const Tensor& grad_output,
                                          const Backend&) const override {
    layers::require_input_count(*this, inputs.size(), 1);
    const auto inner = check_input(inputs[0]->shape());
    check_grad(grad_output, inputs[0]->shape());
    const auto* stats = dynamic_cast<const BatchStatistics*>(state);
    const Tensor x_hat = stats ? stats->normalised : running_normalised(*inputs[0], inner);
    const auto sums = channel_sums(grad_output, x_hat, inner);
    Tensor d_scale(scale_.shape()), d_bias(scale_.shape());
    for (std::int64_t c = 0; c < scale_.size(); ++c) {
      d_scale[c] = static_cast<float>(sums.g_x_hat[layers::at(c)]);
      d_bias[c] = static_cast<float>(sums.g[layers::at(c)]);
    }
    return {std::move(d_scale), std::move(d_bias)};
  }

  std::shared_ptr<const Layer> with_parameters(std::vector<Tensor> values) const override {
    static constexpr const char* names[] = {"scale", "bias"};
    layers::require_parameters(*this, values, names, parameters());
    return std::make_shared<const BatchNorm>(std::move(values[0]), std::move(values[1]), mean_,
                                             variance_, epsilon_);
  }

  const TrainingLayer* as_training() const override { return this; }

  Tensor forward_training(TensorRefs inputs, const Backend&,
                          std::unique_ptr<LayerState>* state) const override {
    if (!state) throw InvalidArgument(label(*this) + ": forward_training needs a state to fill");
    layers::require_input_count(*this, inputs.size(), 1);
    const Tensor& x = *inputs[0];
    const auto inner = check_input(x.shape());
    const auto channels = scale_.size();
    auto stats = std::make_unique<BatchStatistics>();
    stats->count = x.size() / channels;
    if (stats->count < 2) {
      throw ShapeError(label(*this) + ": training needs more than one value per channel, input " +
                       to_string(x.shape()));
    }
    stats->mean.assign(layers::at(channels), 0.0);
    stats->variance.assign(layers::at(channels), 0.0);
    for (std::int64_t i = 0; i < x.size(); ++i)
      stats->mean[layers::at((i / inner) % channels)] += x[i];
    for (auto& m : stats->mean) m /= static_cast<double>(stats->count);
    for (std::int64_t i = 0; i < x.size(); ++i) {
      const auto c = layers::at((i / inner) % channels);
      const double d = x[i] - stats->mean[c];
      stats->variance[c] += d * d;
    }
    stats->inv_std.resize(layers::at(channels));
    for (std::size_t c = 0; c < stats->variance.size(); ++c) {
      stats->variance[c] /= static_cast<double>(stats->count);
      stats->inv_std[c] = static_cast<float>(1.0 / std::sqrt(stats->variance[c] + epsilon_));
    }
    stats->normalised = Tensor(x.shape());
    Tensor y(x.shape());
    for (std::int64_t i = 0; i < x.size(); ++i) {
      const auto c = (i / inner) % channels;
      const auto x_hat =
          static_cast<float>((x[i] - stats->mean[layers::at(c)]) * stats->inv_std[layers::at(c)]);
      stats->normalised[i] = x_hat;
      y[i] = scale_[c] * x_hat + bias_[c];
    }
    *state = std::move(stats);
    return y;
  }

  // The running variance follows the unbiased batch variance (divided by count - 1).
  std::shared_ptr<const Layer> with_running_statistics(std::span<const LayerState* const> states,
                                                       float momentum) const override {
    if (states.empty()) {
      throw InvalidArgument(label(*this) + ": no training states to update the statistics from");
    }
    if (!(momentum >= 0.0F && momentum <= 1.0F)) {
      throw InvalidArgument(label(*this) + ": momentum " + std::to_string(momentum) +
                            " is not in [0, 1]");
    }
    const auto channels = layers::at(scale_.size());
    std::vector<double> mean(channels, 0.0), variance(channels, 0.0);
    for (const LayerState* state : states) {
      const auto* stats = dynamic_cast<const BatchStatistics*>(state);
      if (!stats || stats->mean.size() != channels) {
        throw InvalidArgument(label(*this) +
                              ": a state given to with_running_statistics is not this layer's "
                              "training state");
      }
      const double unbiased = static_cast<double>(stats->count) / (stats->count - 1);
      for (std::size_t c = 0; c < channels; ++c) {
        mean[c] += stats->mean[c];
        variance[c] += stats->variance[c] * unbiased;
      }
    }
    Tensor new_mean(mean_.shape()), new_variance(variance_.shape());
    const double n = static_cast<double>(states.size());
    for (std::size_t c = 0; c < channels; ++c) {
      const auto k = static_cast<std::int64_t>(c);
      new_mean[k] = static_cast<float>((1.0 - momentum) * mean_[k] + momentum * mean[c] / n);
      new_variance[k] =
          static_cast<float>((1.0 - momentum) * variance_[k] + momentum * variance[c] / n);
    }
    return std::make_shared<const BatchNorm>(scale_, bias_, std::move(new_mean),
                                             std::move(new_variance), epsilon_);
  }

  std::int64_t flops(std::span<const Shape>, const Shape& output) const override {
    return 2 * element_count(output);
  }
  std::string describe() const override {
    std::ostringstream out;
    out << a_.size() << " channels eps " << epsilon_;
    return out.str();
  }

 private:
  struct Sums {
    std::vector<double> g, g_x_hat;  // per channel: sum(g) and sum(g * x_hat)
  };

  Sums channel_sums(const Tensor& g, const Tensor& x_hat, std::int64_t inner) const {
    const auto channels = scale_.size();
    Sums s{std::vector<double>(layers::at(channels), 0.0),
           std::vector<double>(layers::at(channels), 0.0)};
    for (std::int64_t i = 0; i < g.size(); ++i) {
      const auto c = layers::at((i / inner) % channels);
      s.g[c] += g[i];
      s.g_x_hat[c] += static_cast<double>(g[i]) * x_hat[i];
    }
    return s;
  }

  Tensor running_normalised(const Tensor& x, std::int64_t inner) const {
    Tensor x_hat(x.shape());
    const auto channels = scale_.size();
    for (std::int64_t i = 0; i < x.size(); ++i) {
      const auto c = (i / inner) % channels;
      x_hat[i] = static_cast<float>((x[i] - mean_[c]) /
                                    std::sqrt(static_cast<double>(variance_[c]) + epsilon_));
    }
    return x_hat;
  }

  void check_grad(const Tensor& grad_y, const Shape& input_shape) const {
    if (grad_y.shape() != input_shape) {
      throw ShapeError(label(*this) + ": output gradient " + to_string(grad_y.shape()) +
                       " does not match the input " + to_string(input_shape));
    }
  }

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

  Tensor scale_, bias_, mean_, variance_;  // as given (ONNX inputs)
  Tensor a_, b_;                           // the folded inference form
  float epsilon_;
};

}  // namespace

std::shared_ptr<const Layer> make_batch_norm(Tensor scale, Tensor bias, Tensor mean,
                                             Tensor variance, float epsilon) {
  return std::make_shared<const BatchNorm>(std::move(scale), std::move(bias), std::move(mean),
                                           std::move(variance), epsilon);
}

std::optional<BatchNormParams> batch_norm_params(const Layer& layer) {
  if (const auto* bn = dynamic_cast<const BatchNorm*>(&layer)) return bn->params();
  return std::nullopt;
}

}  // namespace lumen
