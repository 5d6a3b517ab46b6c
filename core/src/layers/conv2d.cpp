#include <sstream>

#include "checked_size.hpp"
#include "layers/common.hpp"
#include "layers/transformed_weights.hpp"
#include "lumen/backend.hpp"
#include "lumen/error.hpp"
#include "lumen/layer_config.hpp"
#include "lumen/layers.hpp"
#include "lumen/weight_cache.hpp"

namespace lumen {
namespace {

using layers::label;

class Conv2d final : public LinearLayer {
 public:
  const Conv2dParams& params() const { return p_; }
  explicit Conv2d(Conv2dParams p) : p_(std::move(p)) {
    const auto& w = p_.weight;
    if (w.rank() != 4 || w.empty()) {
      throw InvalidArgument(
          "Conv: weight must be a non-empty [C_out, C_in/groups, KH, KW] tensor, got " +
          to_string(w.shape()));
    }
    if (p_.groups < 1 || w.dim(0) % p_.groups != 0) {
      throw InvalidArgument("Conv: groups " + std::to_string(p_.groups) +
                            " must be positive and divide the " + std::to_string(w.dim(0)) +
                            " output channels");
    }
    if (p_.bias && p_.bias->shape() != Shape{w.dim(0)}) {
      throw InvalidArgument("Conv: bias of shape " + to_string(p_.bias->shape()) +
                            " does not match the weight's " + std::to_string(w.dim(0)) +
                            " output channels");
    }
    for (auto s : p_.stride) {
      if (s < 1) throw InvalidArgument("Conv: stride " + std::to_string(s) + " must be >= 1");
    }
    for (auto d : p_.dilation) {
      if (d < 1) throw InvalidArgument("Conv: dilation " + std::to_string(d) + " must be >= 1");
    }
    for (auto pad : p_.pads) {
      if (pad < 0) throw InvalidArgument("Conv: pad " + std::to_string(pad) + " must be >= 0");
    }
  }

  std::string op_type() const override { return "Conv"; }
  LayerKind kind() const override { return LayerKind::linear; }

  Shape output_shape(std::span<const Shape> inputs) const override {
    layers::require_input_count(*this, inputs.size(), 1);
    const auto g = geometry(inputs[0]);
    return {g.batch, g.out_channels, g.out_h, g.out_w};
  }

  Tensor forward_with(const Tensor& x, const WeightTransform& t, bool with_bias,
                      const Backend& backend) const override {
    const auto g = geometry(x.shape());
    auto y = Tensor::uninitialised({g.batch, g.out_channels, g.out_h, g.out_w});
    const bool plain = t.kind == WeightTransform::Kind::identity;
    const auto weight = plain ? nullptr : weights_.get(p_.weight, t);
    const Tensor bias =
        plain || !with_bias || !p_.bias ? Tensor() : layers::transformed(*p_.bias, t);
    const float* bias_data = nullptr;
    if (with_bias && p_.bias) bias_data = plain ? p_.bias->data() : bias.data();
    backend.conv2d_forward_cached(g, x.data(), plain ? p_.weight.data() : weight->values.data(),
                                  plain ? weight_cache_ : weight->cache, bias_data, y.data());
    return y;
  }

  Tensor backward_with(const Tensor& grad_y, const Shape& input_shape, const WeightTransform& t,
                       const Backend& backend) const override {
    const auto g = geometry(input_shape);
    if (grad_y.shape() != Shape{g.batch, g.out_channels, g.out_h, g.out_w}) {
      throw ShapeError(label(*this) + ": output gradient " + to_string(grad_y.shape()) +
                       " does not match the output of input " + to_string(input_shape));
    }
    auto dx = Tensor::uninitialised(input_shape);
    const bool plain = t.kind == WeightTransform::Kind::identity;
    const auto weight = plain ? nullptr : weights_.get(p_.weight, t);
    backend.conv2d_backward_data_cached(g, grad_y.data(),
                                        plain ? p_.weight.data() : weight->values.data(),
                                        plain ? weight_cache_ : weight->cache, dx.data());
    return dx;
  }

  std::int64_t parameter_count() const override {
    return p_.weight.size() + (p_.bias ? p_.bias->size() : 0);
  }

  std::vector<const Tensor*> parameters() const override {
    if (p_.bias) return {&p_.weight, &*p_.bias};
    return {&p_.weight};
  }

  std::vector<Tensor> parameter_gradients(TensorRefs inputs, const Tensor&, const LayerState*,
                                          const Tensor& grad_output,
                                          const Backend& backend) const override {
    layers::require_input_count(*this, inputs.size(), 1);
    const auto g = geometry(inputs[0]->shape());
    if (grad_output.shape() != Shape{g.batch, g.out_channels, g.out_h, g.out_w}) {
      throw ShapeError(label(*this) + ": output gradient " + to_string(grad_output.shape()) +
                       " does not match the output of input " + to_string(inputs[0]->shape()));
    }
    Tensor dw(p_.weight.shape());
    Tensor db({g.out_channels});
    backend.conv2d_backward_weights(g, inputs[0]->data(), grad_output.data(), dw.data(),
                                    p_.bias ? db.data() : nullptr);
    if (p_.bias) return {std::move(dw), std::move(db)};
    return {std::move(dw)};
  }

  std::shared_ptr<const Layer> with_parameters(std::vector<Tensor> values) const override {
    static constexpr const char* names[] = {"weight", "bias"};
    layers::require_parameters(*this, values, names, parameters());
    Conv2dParams p = p_;
    p.weight = std::move(values[0]);
    if (p.bias) p.bias = std::move(values[1]);
    return std::make_shared<const Conv2d>(std::move(p));
  }

  std::int64_t flops(std::span<const Shape>, const Shape& output) const override {
    const auto& w = p_.weight.shape();
    return 2 * element_count(output) * w[1] * w[2] * w[3];
  }

  std::string describe() const override {
    const auto& w = p_.weight.shape();
    std::ostringstream out;
    out << w[2] << "x" << w[3] << "/" << layers::pair_to_string(p_.stride[0], p_.stride[1])
        << " pad " << p_.pads[0] << "," << p_.pads[1] << "," << p_.pads[2] << "," << p_.pads[3]
        << " dil " << layers::pair_to_string(p_.dilation[0], p_.dilation[1]) << " groups "
        << p_.groups << " " << w[1] * p_.groups << "->" << w[0];
    return out.str();
  }

 private:
  Conv2dGeometry geometry(const Shape& input) const {
    layers::require_rank(*this, input, 4);
    const auto& w = p_.weight.shape();
    Conv2dGeometry g;
    g.batch = input[0];
    g.in_channels = input[1];
    g.in_h = input[2];
    g.in_w = input[3];
    g.out_channels = w[0];
    g.kernel_h = w[2];
    g.kernel_w = w[3];
    g.stride_h = p_.stride[0];
    g.stride_w = p_.stride[1];
    g.dilation_h = p_.dilation[0];
    g.dilation_w = p_.dilation[1];
    g.pad_top = p_.pads[0];
    g.pad_left = p_.pads[1];
    g.pad_bottom = p_.pads[2];
    g.pad_right = p_.pads[3];
    g.groups = p_.groups;
    if (g.in_channels != w[1] * p_.groups) {
      throw ShapeError(label(*this) + ": input " + to_string(input) + " has " +
                       std::to_string(g.in_channels) + " channels, the weight " + to_string(w) +
                       " with " + std::to_string(p_.groups) + " groups expects " +
                       std::to_string(w[1] * p_.groups));
    }
    const auto window = [&] { return label(*this) + ": the dilated kernel"; };
    const auto padding = [&] { return label(*this) + ": the padded input " + to_string(input); };
    const auto extent_h = window_extent(g.kernel_h, g.dilation_h, window);
    const auto extent_w = window_extent(g.kernel_w, g.dilation_w, window);
    const auto padded_h =
        checked_add(checked_add(g.in_h, g.pad_top, padding), g.pad_bottom, padding);
    const auto padded_w =
        checked_add(checked_add(g.in_w, g.pad_left, padding), g.pad_right, padding);
    if (padded_h < extent_h || padded_w < extent_w) {
      throw ShapeError(label(*this) + ": the dilated kernel (" + std::to_string(extent_h) + "x" +
                       std::to_string(extent_w) + ") is larger than the padded input " +
                       to_string(input) + " (" + std::to_string(padded_h) + "x" +
                       std::to_string(padded_w) + ")");
    }
    g.out_h = (padded_h - extent_h) / g.stride_h + 1;
    g.out_w = (padded_w - extent_w) / g.stride_w + 1;
    return g;
  }

  Conv2dParams p_;
  layers::TransformedWeights weights_;
  WeightCache weight_cache_;  // for p_.weight itself
};

}  // namespace

std::shared_ptr<const Layer> make_conv2d(Conv2dParams params) {
  return std::make_shared<const Conv2d>(std::move(params));
}

std::optional<Conv2dParams> conv2d_params(const Layer& layer) {
  if (const auto* conv = dynamic_cast<const Conv2d*>(&layer)) return conv->params();
  return std::nullopt;
}

}  // namespace lumen
