#include "lumen/conv_transpose.hpp"

#include <sstream>

#include "checked_size.hpp"
#include "layers/common.hpp"
#include "layers/transformed_weights.hpp"
#include "lumen/backend.hpp"
#include "lumen/error.hpp"
#include "lumen/weight_cache.hpp"

namespace lumen {
namespace {

using I = std::int64_t;
using layers::label;

// Note [transposed convolution]: ConvTranspose maps x to y = C^T x, where C is the convolution
// from y's shape to x's shape with the same weight, stride, dilation, pads and groups (whose
// weight layout [C_out, C_in/groups, KH, KW] is ConvTranspose's [C_in, C_out/groups, KH, KW]).
// So its forward is that convolution's backward-data kernel and its backward the convolution's
// forward kernel, and the weight gradient is the convolution's with the roles of input and
// output gradient swapped. output_padding rows and columns are reached by no window: they hold
// the bias only. It must be smaller than the stride, or the convolution would have more outputs
// than ConvTranspose has inputs.
class ConvTranspose2d final : public LinearLayer {
 public:
  explicit ConvTranspose2d(ConvTranspose2dParams p) : p_(std::move(p)) {
    const auto& w = p_.weight;
    if (w.rank() != 4 || w.empty()) {
      throw InvalidArgument(
          "ConvTranspose: weight must be a non-empty [C_in, C_out/groups, KH, KW] tensor, got " +
          to_string(w.shape()));
    }
    if (p_.groups < 1 || w.dim(0) % p_.groups != 0) {
      throw InvalidArgument("ConvTranspose: groups " + std::to_string(p_.groups) +
                            " must be positive and divide the " + std::to_string(w.dim(0)) +
                            " input channels");
    }
    if (p_.bias && p_.bias->shape() != Shape{out_channels()}) {
      throw InvalidArgument("ConvTranspose: bias of shape " + to_string(p_.bias->shape()) +
                            " does not match the " + std::to_string(out_channels()) +
                            " output channels");
    }
    for (std::size_t d = 0; d < 2; ++d) {
      if (p_.stride[d] < 1 || p_.dilation[d] < 1) {
        throw InvalidArgument("ConvTranspose: stride " + std::to_string(p_.stride[d]) +
                              " and dilation " + std::to_string(p_.dilation[d]) + " must be >= 1");
      }
      if (p_.output_padding[d] < 0 || p_.output_padding[d] >= p_.stride[d]) {
        throw InvalidArgument(
            "ConvTranspose: output_padding " + std::to_string(p_.output_padding[d]) +
            " must be >= 0 and smaller than the stride " + std::to_string(p_.stride[d]));
      }
    }
    for (auto pad : p_.pads) {
      if (pad < 0) {
        throw InvalidArgument("ConvTranspose: pad " + std::to_string(pad) + " must be >= 0");
      }
    }
  }

  std::string op_type() const override { return "ConvTranspose"; }
  LayerKind kind() const override { return LayerKind::linear; }

  Shape output_shape(std::span<const Shape> inputs) const override {
    layers::require_input_count(*this, inputs.size(), 1);
    const auto g = geometry(inputs[0]);
    return {g.batch, g.in_channels, g.in_h, g.in_w};
  }

  Tensor forward_with(const Tensor& x, const WeightTransform& t, bool with_bias,
                      const Backend& backend) const override {
    const auto g = geometry(x.shape());
    auto y = Tensor::uninitialised({g.batch, g.in_channels, g.in_h, g.in_w});
    const bool plain = t.kind == WeightTransform::Kind::identity;
    const auto weight = plain ? nullptr : weights_.get(p_.weight, t);
    backend.conv2d_backward_data_cached(g, x.data(),
                                        plain ? p_.weight.data() : weight->values.data(),
                                        plain ? weight_cache_ : weight->cache, y.data());
    if (with_bias && p_.bias) {
      const I plane = g.in_h * g.in_w;
      for (I n = 0; n < g.batch; ++n) {
        for (I c = 0; c < g.in_channels; ++c) {
          const float b = t((*p_.bias)[c]);
          float* out = y.data() + (n * g.in_channels + c) * plane;
          for (I i = 0; i < plane; ++i) out[i] += b;
        }
      }
    }
    return y;
  }

  Tensor backward_with(const Tensor& grad_y, const Shape& input_shape, const WeightTransform& t,
                       const Backend& backend) const override {
    const auto g = geometry(input_shape);
    check_output_gradient(g, grad_y, input_shape);
    auto dx = Tensor::uninitialised(input_shape);
    const bool plain = t.kind == WeightTransform::Kind::identity;
    const auto weight = plain ? nullptr : weights_.get(p_.weight, t);
    backend.conv2d_forward_cached(g, grad_y.data(),
                                  plain ? p_.weight.data() : weight->values.data(),
                                  plain ? weight_cache_ : weight->cache, nullptr, dx.data());
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
    check_output_gradient(g, grad_output, inputs[0]->shape());
    Tensor dw(p_.weight.shape());
    backend.conv2d_backward_weights(g, grad_output.data(), inputs[0]->data(), dw.data(), nullptr);
    if (!p_.bias) return layers::single(std::move(dw));
    Tensor db({g.in_channels});
    const I plane = g.in_h * g.in_w;
    for (I n = 0; n < g.batch; ++n) {
      for (I c = 0; c < g.in_channels; ++c) {
        const float* d = grad_output.data() + (n * g.in_channels + c) * plane;
        double sum = 0.0;
        for (I i = 0; i < plane; ++i) sum += d[i];
        db[c] += static_cast<float>(sum);
      }
    }
    return {std::move(dw), std::move(db)};
  }

  std::shared_ptr<const Layer> with_parameters(std::vector<Tensor> values) const override {
    static constexpr const char* names[] = {"weight", "bias"};
    layers::require_parameters(*this, values, names, parameters());
    auto p = p_;
    p.weight = std::move(values[0]);
    if (p.bias) p.bias = std::move(values[1]);
    return std::make_shared<const ConvTranspose2d>(std::move(p));
  }

  std::int64_t flops(std::span<const Shape> inputs, const Shape&) const override {
    const auto& w = p_.weight.shape();
    return 2 * element_count(inputs[0]) * w[1] * w[2] * w[3];
  }

  std::string describe() const override {
    const auto& w = p_.weight.shape();
    std::ostringstream out;
    out << w[2] << "x" << w[3] << "/" << layers::pair_to_string(p_.stride[0], p_.stride[1])
        << " pad " << p_.pads[0] << "," << p_.pads[1] << "," << p_.pads[2] << "," << p_.pads[3]
        << " out_pad " << layers::pair_to_string(p_.output_padding[0], p_.output_padding[1])
        << " dil " << layers::pair_to_string(p_.dilation[0], p_.dilation[1]) << " groups "
        << p_.groups << " " << w[0] << "->" << out_channels();
    return out.str();
  }

 private:
  I out_channels() const { return p_.weight.dim(1) * p_.groups; }

  void check_output_gradient(const Conv2dGeometry& g, const Tensor& grad_y,
                             const Shape& input_shape) const {
    if (grad_y.shape() != Shape{g.batch, g.in_channels, g.in_h, g.in_w}) {
      throw ShapeError(label(*this) + ": output gradient " + to_string(grad_y.shape()) +
                       " does not match the output of input " + to_string(input_shape));
    }
  }

  // The geometry of the convolution whose backward-data is this layer's forward (Note
  // [transposed convolution]): its input is this layer's output and the other way round.
  Conv2dGeometry geometry(const Shape& input) const {
    layers::require_rank(*this, input, 4);
    const auto& w = p_.weight.shape();
    if (input[1] != w[0]) {
      throw ShapeError(label(*this) + ": input " + to_string(input) + " has " +
                       std::to_string(input[1]) + " channels, the weight " + to_string(w) +
                       " expects " + std::to_string(w[0]));
    }
    Conv2dGeometry g;
    g.batch = input[0];
    g.out_channels = w[0];
    g.out_h = input[2];
    g.out_w = input[3];
    g.in_channels = out_channels();
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
    const auto message = [&] { return label(*this) + ": the output of input " + to_string(input); };
    const auto size = [&](I in, I stride, I kernel, I dilation, I out_pad, I begin, I end) {
      const auto full =
          checked_add(checked_add(checked_mul(stride, in - 1, message), out_pad, message),
                      window_extent(kernel, dilation, message), message);
      return full - begin - end;
    };
    g.in_h = size(input[2], g.stride_h, g.kernel_h, g.dilation_h, p_.output_padding[0], g.pad_top,
                  g.pad_bottom);
    g.in_w = size(input[3], g.stride_w, g.kernel_w, g.dilation_w, p_.output_padding[1], g.pad_left,
                  g.pad_right);
    if (input[2] < 1 || input[3] < 1 || g.in_h < 1 || g.in_w < 1) {
      throw ShapeError(label(*this) + ": input " + to_string(input) +
                       " gives an output with no position (" + std::to_string(g.in_h) + "x" +
                       std::to_string(g.in_w) + ")");
    }
    return g;
  }

  ConvTranspose2dParams p_;
  layers::TransformedWeights weights_;
  WeightCache weight_cache_;  // for p_.weight itself
};

}  // namespace

std::shared_ptr<const Layer> make_conv_transpose2d(ConvTranspose2dParams params) {
  return std::make_shared<const ConvTranspose2d>(std::move(params));
}

}  // namespace lumen
