#include <algorithm>
#include <cmath>
#include <sstream>

#include "layers/common.hpp"
#include "lumen/error.hpp"
#include "lumen/layers.hpp"

namespace lumen {
namespace {

using layers::at;
using layers::label;

// ONNX LRN: y_c = x_c * s_c^-beta with s_c = bias + alpha/size * sum of x_j^2 over channels
// j in [c - floor((size-1)/2), c + ceil((size-1)/2)].
class Lrn final : public Layer {
 public:
  Lrn(std::int64_t size, float alpha, float beta, float bias)
      : size_(size), alpha_(alpha), beta_(beta), bias_(bias) {
    if (size < 1) throw InvalidArgument("LRN: size " + std::to_string(size) + " must be >= 1");
    if (!(alpha >= 0.0F) || !std::isfinite(alpha)) {
      throw InvalidArgument("LRN: alpha " + std::to_string(alpha) + " must be finite and >= 0");
    }
    if (!std::isfinite(beta)) throw InvalidArgument("LRN: beta must be finite");
    if (!(bias > 0.0F) || !std::isfinite(bias)) {
      throw InvalidArgument("LRN: bias " + std::to_string(bias) + " must be finite and > 0");
    }
  }

  std::string op_type() const override { return "LRN"; }
  LayerKind kind() const override { return LayerKind::normalisation; }

  Shape output_shape(std::span<const Shape> inputs) const override {
    layers::require_input_count(*this, inputs.size(), 1);
    layers::require_rank(*this, inputs[0], 2, true);
    return inputs[0];
  }

  Tensor forward(TensorRefs inputs, const Backend&, std::unique_ptr<LayerState>*) const override {
    layers::require_input_count(*this, inputs.size(), 1);
    const Tensor& x = *inputs[0];
    layers::require_rank(*this, x.shape(), 2, true);
    const auto s = square_sums(x);
    Tensor y(x.shape());
    for (std::int64_t i = 0; i < x.size(); ++i) {
      y[i] = static_cast<float>(x[i] * std::pow(s[at(i)], -static_cast<double>(beta_)));
    }
    return y;
  }

  // dx_j = g_j s_j^-beta - 2 beta alpha/size x_j * sum over c with j in window(c) of
  // g_c x_c s_c^(-beta-1).
  std::vector<Tensor> backward(TensorRefs inputs, const Tensor&, const LayerState*,
                               const Tensor& grad_output, const Backend&) const override {
    layers::require_input_count(*this, inputs.size(), 1);
    const Tensor& x = *inputs[0];
    layers::require_rank(*this, x.shape(), 2, true);
    if (grad_output.shape() != x.shape()) {
      throw ShapeError(label(*this) + ": output gradient " + to_string(grad_output.shape()) +
                       " does not match the input " + to_string(x.shape()));
    }
    const auto s = square_sums(x);
    const double beta = beta_;
    std::vector<double> weighted(s.size());  // g_c x_c s_c^(-beta-1)
    for (std::size_t i = 0; i < s.size(); ++i) {
      weighted[i] = static_cast<double>(grad_output[static_cast<std::int64_t>(i)]) *
                    x[static_cast<std::int64_t>(i)] * std::pow(s[i], -beta - 1.0);
    }
    const auto [channels, inner, lo, hi] = layout(x.shape());
    const double coefficient = 2.0 * beta * alpha_ / static_cast<double>(size_);
    Tensor dx(x.shape());
    for (std::int64_t n = 0; n < x.dim(0); ++n) {
      for (std::int64_t j = 0; j < channels; ++j) {
        // j lies in the window of channels c in [j - hi, j + lo].
        const auto first = std::max<std::int64_t>(0, j - hi);
        const auto last = std::min(channels - 1, j + lo);
        for (std::int64_t k = 0; k < inner; ++k) {
          const auto i = (n * channels + j) * inner + k;
          double sum = 0.0;
          for (auto c = first; c <= last; ++c) sum += weighted[at((n * channels + c) * inner + k)];
          dx[i] = static_cast<float>(grad_output[i] * std::pow(s[at(i)], -beta) -
                                     coefficient * x[i] * sum);
        }
      }
    }
    return layers::single(std::move(dx));
  }

  std::int64_t flops(std::span<const Shape>, const Shape& output) const override {
    return element_count(output) * (2 * size_ + 4);
  }

  std::string describe() const override {
    std::ostringstream out;
    out << "size " << size_ << " alpha " << alpha_ << " beta " << beta_ << " bias " << bias_;
    return out.str();
  }

 private:
  struct Layout {
    std::int64_t channels, inner, lo, hi;
  };
  Layout layout(const Shape& shape) const {
    return {shape[1], element_count(Shape(shape.begin() + 2, shape.end())), (size_ - 1) / 2,
            size_ / 2};
  }

  // s for every element, in double.
  std::vector<double> square_sums(const Tensor& x) const {
    const auto [channels, inner, lo, hi] = layout(x.shape());
    std::vector<double> s(at(x.size()));
    const double scale = static_cast<double>(alpha_) / static_cast<double>(size_);
    for (std::int64_t n = 0; n < x.dim(0); ++n) {
      for (std::int64_t c = 0; c < channels; ++c) {
        const auto first = std::max<std::int64_t>(0, c - lo);
        const auto last = std::min(channels - 1, c + hi);
        for (std::int64_t k = 0; k < inner; ++k) {
          double sum = 0.0;
          for (auto j = first; j <= last; ++j) {
            const double v = x[(n * channels + j) * inner + k];
            sum += v * v;
          }
          s[at((n * channels + c) * inner + k)] = bias_ + scale * sum;
        }
      }
    }
    return s;
  }

  std::int64_t size_;
  float alpha_, beta_, bias_;
};

}  // namespace

std::shared_ptr<const Layer> make_lrn(std::int64_t size, float alpha, float beta, float bias) {
  return std::make_shared<const Lrn>(size, alpha, beta, bias);
}

}  // namespace lumen
