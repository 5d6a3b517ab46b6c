#include "layers/common.hpp"
#include "layers/transformed_weights.hpp"
#include "lumen/backend.hpp"
#include "lumen/error.hpp"
#include "lumen/layer_config.hpp"
#include "lumen/layers.hpp"

namespace lumen {
namespace {

using layers::label;

// y[N, out] = x[N, in] W^T + b with W [out, in] (ONNX Gemm with transB = 1). An input of higher
// rank [N, ..., in] is a stack of rows: the layer applies over its last axis (nn.Linear, ONNX
// MatMul by a constant [in, out]), as one gemm over all rows.
class Linear final : public LinearLayer {
 public:
  LinearParams params() const { return {weight_, bias_}; }
  Linear(Tensor weight, std::optional<Tensor> bias)
      : weight_(std::move(weight)), bias_(std::move(bias)) {
    if (weight_.rank() != 2 || weight_.empty()) {
      throw InvalidArgument("Gemm: weight must be a non-empty [out, in] matrix, got " +
                            to_string(weight_.shape()));
    }
    if (bias_ && bias_->shape() != Shape{weight_.dim(0)}) {
      throw InvalidArgument("Gemm: bias of shape " + to_string(bias_->shape()) +
                            " does not match the weight " + to_string(weight_.shape()) +
                            " (expected [" + std::to_string(weight_.dim(0)) + "])");
    }
  }

  std::string op_type() const override { return "Gemm"; }
  LayerKind kind() const override { return LayerKind::linear; }

  Shape output_shape(std::span<const Shape> inputs) const override {
    layers::require_input_count(*this, inputs.size(), 1);
    check_input(inputs[0]);
    return output_of(inputs[0]);
  }

  Tensor forward_with(const Tensor& x, const WeightTransform& t, bool with_bias,
                      const Backend& backend) const override {
    check_input(x.shape());
    const auto n = rows(x.shape()), in = weight_.dim(1), out = weight_.dim(0);
    const bool plain = t.kind == WeightTransform::Kind::identity;
    const auto weight = plain ? nullptr : weights_.get(weight_, t);
    auto y = Tensor::uninitialised(output_of(x.shape()));
    const bool add_bias = with_bias && bias_;
    if (add_bias) {
      for (std::int64_t i = 0; i < n; ++i) {
        for (std::int64_t j = 0; j < out; ++j) y[i * out + j] = t((*bias_)[j]);
      }
    }
    backend.gemm(false, true, n, out, in, 1.0F, x.data(), in,
                 plain ? weight_.data() : weight->values.data(), in, add_bias ? 1.0F : 0.0F,
                 y.data(), out);
    return y;
  }

  Tensor backward_with(const Tensor& grad_y, const Shape& input_shape, const WeightTransform& t,
                       const Backend& backend) const override {
    check_input(input_shape);
    const auto n = rows(input_shape), in = weight_.dim(1);
    if (grad_y.shape() != output_of(input_shape)) {
      throw ShapeError(label(*this) + ": output gradient " + to_string(grad_y.shape()) +
                       " does not match the output of input " + to_string(input_shape));
    }
    const bool plain = t.kind == WeightTransform::Kind::identity;
    const auto weight = plain ? nullptr : weights_.get(weight_, t);
    auto dx = Tensor::uninitialised(input_shape);
    const auto out = weight_.dim(0);
    backend.gemm(false, false, n, in, out, 1.0F, grad_y.data(), out,
                 plain ? weight_.data() : weight->values.data(), in, 0.0F, dx.data(), in);
    return dx;
  }

  std::int64_t parameter_count() const override {
    return weight_.size() + (bias_ ? bias_->size() : 0);
  }

  std::vector<const Tensor*> parameters() const override {
    if (bias_) return {&weight_, &*bias_};
    return {&weight_};
  }

  // dW = grad_y^T x and db = the column sums of grad_y.
  std::vector<Tensor> parameter_gradients(TensorRefs inputs, const Tensor&, const LayerState*,
                                          const Tensor& grad_output,
                                          const Backend& backend) const override {
    layers::require_input_count(*this, inputs.size(), 1);
    const Tensor& x = *inputs[0];
    check_input(x.shape());
    const auto n = rows(x.shape()), in = weight_.dim(1), out = weight_.dim(0);
    if (grad_output.shape() != output_of(x.shape())) {
      throw ShapeError(label(*this) + ": output gradient " + to_string(grad_output.shape()) +
                       " does not match the output of input " + to_string(x.shape()));
    }
    Tensor dw(weight_.shape());
    backend.gemm(true, false, out, in, n, 1.0F, grad_output.data(), out, x.data(), in, 0.0F,
                 dw.data(), in);
    if (!bias_) return {std::move(dw)};
    Tensor db({out});
    for (std::int64_t j = 0; j < out; ++j) {
      double sum = 0.0;
      for (std::int64_t i = 0; i < n; ++i) sum += grad_output[i * out + j];
      db[j] = static_cast<float>(sum);
    }
    return {std::move(dw), std::move(db)};
  }

  std::shared_ptr<const Layer> with_parameters(std::vector<Tensor> values) const override {
    static constexpr const char* names[] = {"weight", "bias"};
    layers::require_parameters(*this, values, names, parameters());
    std::optional<Tensor> bias;
    if (bias_) bias = std::move(values[1]);
    return std::make_shared<const Linear>(std::move(values[0]), std::move(bias));
  }

  std::int64_t flops(std::span<const Shape> inputs, const Shape&) const override {
    return inputs.empty() || inputs[0].empty() ? 0 : 2 * rows(inputs[0]) * weight_.size();
  }

  std::string describe() const override {
    return std::to_string(weight_.dim(1)) + "->" + std::to_string(weight_.dim(0)) +
           (bias_ ? "" : " no bias");
  }

 private:
  void check_input(const Shape& input) const {
    if (input.size() < 2 || input.back() != weight_.dim(1)) {
      throw ShapeError(label(*this) + ": expects input [N, ..., " + std::to_string(weight_.dim(1)) +
                       "] (applied over the last axis) for weight " + to_string(weight_.shape()) +
                       ", got " + to_string(input));
    }
  }

  // The number of rows the last axis is applied to.
  std::int64_t rows(const Shape& input) const { return element_count(input) / input.back(); }

  Shape output_of(const Shape& input) const {
    Shape out = input;
    out.back() = weight_.dim(0);
    return out;
  }

  Tensor weight_;
  std::optional<Tensor> bias_;
  layers::TransformedWeights weights_;
};

}  // namespace

std::shared_ptr<const Layer> make_linear(Tensor weight, std::optional<Tensor> bias) {
  return std::make_shared<const Linear>(std::move(weight), std::move(bias));
}

std::optional<LinearParams> linear_params(const Layer& layer) {
  if (const auto* linear = dynamic_cast<const Linear*>(&layer)) return linear->params();
  return std::nullopt;
}

}  // namespace lumen
