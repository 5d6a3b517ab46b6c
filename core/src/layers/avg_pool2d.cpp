#include "layers/common.hpp"
#include "layers/pool_geometry.hpp"
#include "lumen/error.hpp"
#include "lumen/layer_config.hpp"

namespace lumen {
namespace layers {
// Defined beside the max-pooling layer (max_pool2d.cpp).
std::optional<Pool2dParams> max_pool2d_params(const Layer& layer);
}  // namespace layers

namespace {

using layers::at;
using layers::label;

// Note [average pooling as a linear layer]
// Every layer here runs the backend's average that divides by the number of input positions in
// the window (count_include_pad = false) and then scales output position (oh, ow) by
// factor = inside * t(1 / divisor), where `inside` counts the window's input positions and
// `divisor` is the count the layer divides by. So t applies to the implicit weights 1/divisor,
// and count_include_pad follows PyTorch: padding counts, the ceil-mode overhang past the padding
// does not. An empty factor table means all factors are 1.

std::vector<float> window_factors(const Pool2dGeometry& g, std::int64_t pad_bottom,
                                  std::int64_t pad_right, bool count_include_pad,
                                  const WeightTransform& t) {
  auto counts = [](std::int64_t start, std::int64_t kernel, std::int64_t dilation, std::int64_t in,
                   std::int64_t end_limit) {
    std::int64_t inside = 0, counted = 0;
    for (std::int64_t j = 0; j < kernel; ++j) {
      const auto i = start + j * dilation;
      inside += i >= 0 && i < in;
      counted += i < end_limit;
    }
    return std::pair{inside, counted};
  };
  std::vector<float> factors(at(g.out_h * g.out_w));
  bool all_one = true;
  for (std::int64_t oh = 0; oh < g.out_h; ++oh) {
    const auto [inside_h, counted_h] =
        counts(oh * g.stride_h - g.pad_top, g.kernel_h, g.dilation_h, g.in_h, g.in_h + pad_bottom);
    for (std::int64_t ow = 0; ow < g.out_w; ++ow) {
      const auto [inside_w, counted_w] = counts(ow * g.stride_w - g.pad_left, g.kernel_w,
                                                g.dilation_w, g.in_w, g.in_w + pad_right);
      const auto inside = inside_h * inside_w;
      const auto divisor = count_include_pad ? counted_h * counted_w : inside;
      float& f = factors[at(oh * g.out_w + ow)];
      if (inside == 0) {
        f = 0.0F;
      } else if (t.kind == WeightTransform::Kind::identity) {
        f = static_cast<float>(static_cast<double>(inside) / static_cast<double>(divisor));
      } else {
        f = static_cast<float>(inside) * t(1.0F / static_cast<float>(divisor));
      }
      all_one = all_one && f == 1.0F;
    }
  }
  if (all_one) factors.clear();
  return factors;
}

void scale_planes(Tensor& planes, const std::vector<float>& factors) {
  if (factors.empty()) return;
  const auto n = static_cast<std::int64_t>(factors.size());
  for (std::int64_t i = 0; i < planes.size(); ++i) planes[i] *= factors[at(i % n)];
}

Tensor average(const Pool2dGeometry& g, const Tensor& x, const std::vector<float>& factors,
               Shape output_shape, const Backend& backend) {
  auto y = Tensor::uninitialised(std::move(output_shape));
  backend.avg_pool2d_forward(g, x.data(), y.data());
  scale_planes(y, factors);
  return y;
}

Tensor average_backward(const Pool2dGeometry& g, const Tensor& grad_y,
                        const std::vector<float>& factors, const Shape& input_shape,
                        const Backend& backend) {
  Tensor scaled = grad_y;
  scale_planes(scaled, factors);
  auto dx = Tensor::uninitialised(input_shape);
  backend.avg_pool2d_backward(g, scaled.data(), dx.data());
  return dx;
}

void check_grad_shape(const Layer& layer, const Tensor& grad_y, const Shape& expected,
                      const Shape& input_shape) {
  if (grad_y.shape() != expected) {
    throw ShapeError(label(layer) + ": output gradient " + to_string(grad_y.shape()) +
                     " does not match the output " + to_string(expected) + " of input " +
                     to_string(input_shape));
  }
}

// A LinearLayer with one input, no bias, and forward/backward given by the transform hooks.
class AverageLayer : public LinearLayer {
 public:
  LayerKind kind() const override { return LayerKind::linear; }

  std::int64_t flops(std::span<const Shape> inputs, const Shape&) const override {
    return inputs.empty() ? 0 : element_count(inputs[0]);
  }
};

class AvgPool2d final : public AverageLayer {
 public:
  const Pool2dParams& params() const { return p_; }
  explicit AvgPool2d(Pool2dParams p) : p_(p) { layers::validate_pool_params("AveragePool", p_); }

  std::string op_type() const override { return "AveragePool"; }

  Shape output_shape(std::span<const Shape> inputs) const override {
    layers::require_input_count(*this, inputs.size(), 1);
    return output_of(geometry(inputs[0]));
  }

  Tensor forward_with(const Tensor& x, const WeightTransform& t, bool,
                      const Backend& backend) const override {
    const auto g = geometry(x.shape());
    return average(g, x, factors(g, t), output_of(g), backend);
  }

  Tensor backward_with(const Tensor& grad_y, const Shape& input_shape, const WeightTransform& t,
                       const Backend& backend) const override {
    const auto g = geometry(input_shape);
    check_grad_shape(*this, grad_y, output_of(g), input_shape);
    return average_backward(g, grad_y, factors(g, t), input_shape, backend);
  }

  std::int64_t flops(std::span<const Shape>, const Shape& output) const override {
    return element_count(output) * p_.kernel[0] * p_.kernel[1];
  }

  std::string describe() const override { return layers::describe_pool(p_, true); }

 private:
  Pool2dGeometry geometry(const Shape& input) const {
    auto g = layers::pool_geometry(*this, p_, input);
    g.count_include_pad = false;  // see Note [average pooling as a linear layer]
    return g;
  }
  static Shape output_of(const Pool2dGeometry& g) {
    return {g.batch, g.channels, g.out_h, g.out_w};
  }
  std::vector<float> factors(const Pool2dGeometry& g, const WeightTransform& t) const {
    return window_factors(g, p_.pads[2], p_.pads[3], p_.count_include_pad, t);
  }

  Pool2dParams p_;
};

// [N, C, spatial...] -> [N, C, 1, ...]: one window over each channel's values.
class GlobalAveragePool final : public AverageLayer {
 public:
  std::string op_type() const override { return "GlobalAveragePool"; }

  Shape output_shape(std::span<const Shape> inputs) const override {
    layers::require_input_count(*this, inputs.size(), 1);
    geometry(inputs[0]);
    return output_of(inputs[0]);
  }

  Tensor forward_with(const Tensor& x, const WeightTransform& t, bool,
                      const Backend& backend) const override {
    const auto g = geometry(x.shape());
    return average(g, x, window_factors(g, 0, 0, false, t), output_of(x.shape()), backend);
  }

  Tensor backward_with(const Tensor& grad_y, const Shape& input_shape, const WeightTransform& t,
                       const Backend& backend) const override {
    const auto g = geometry(input_shape);
    check_grad_shape(*this, grad_y, output_of(input_shape), input_shape);
    return average_backward(g, grad_y, window_factors(g, 0, 0, false, t), input_shape, backend);
  }

 private:
  // The spatial values of a channel as one row, pooled by a single window.
  Pool2dGeometry geometry(const Shape& input) const {
    layers::require_rank(*this, input, 3, true);
    Pool2dGeometry g;
    g.batch = input[0];
    g.channels = input[1];
    g.in_w = element_count(Shape(input.begin() + 2, input.end()));
    if (g.in_w == 0) {
      throw ShapeError(label(*this) + ": input " + to_string(input) + " has no spatial values");
    }
    g.kernel_w = g.in_w;
    return g;
  }
  static Shape output_of(const Shape& input) {
    Shape out(input.size(), 1);
    out[0] = input[0];
    out[1] = input[1];
    return out;
  }
};

}  // namespace

std::shared_ptr<const Layer> make_avg_pool2d(Pool2dParams params) {
  return std::make_shared<const AvgPool2d>(params);
}

std::shared_ptr<const Layer> make_global_average_pool() {
  return std::make_shared<const GlobalAveragePool>();
}

std::optional<Pool2dParams> pool2d_params(const Layer& layer) {
  if (const auto* pool = dynamic_cast<const AvgPool2d*>(&layer)) return pool->params();
  return layers::max_pool2d_params(layer);
}

std::optional<PoolWindows> pool2d_windows(const Layer& layer, std::int64_t height,
                                          std::int64_t width) {
  const auto p = pool2d_params(layer);
  if (!p) return std::nullopt;
  const Shape input{1, 1, height, width};
  const Shape out = layer.output_shape(std::span<const Shape>(&input, 1));
  // Output position o of an axis reads o * stride - pad + k * dilation, k < kernel, inside [0, n).
  const auto axis = [](std::int64_t outputs, std::int64_t n, std::int64_t kernel,
                       std::int64_t stride, std::int64_t pad, std::int64_t dilation) {
    std::vector<std::vector<std::int64_t>> reads(static_cast<std::size_t>(outputs));
    for (std::int64_t o = 0; o < outputs; ++o) {
      for (std::int64_t k = 0; k < kernel; ++k) {
        const std::int64_t i = o * stride - pad + k * dilation;
        if (i >= 0 && i < n) reads[static_cast<std::size_t>(o)].push_back(i);
      }
    }
    return reads;
  };
  return PoolWindows{axis(out[2], height, p->kernel[0], p->stride[0], p->pads[0], p->dilation[0]),
                     axis(out[3], width, p->kernel[1], p->stride[1], p->pads[1], p->dilation[1])};
}

}  // namespace lumen
