#include "lumen/resize.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <vector>

#include "layers/common.hpp"
#include "lumen/error.hpp"

namespace lumen {
namespace {

using I = std::int64_t;
using layers::at;
using layers::label;

// Note [resize as a linear layer]: ONNX Resize is separable: output (oh, ow) reads the input rows
// of oh's taps and the columns of ow's taps, each tap an input position and a non-negative weight
// (nearest: one tap of weight 1; linear: the two neighbours of the input coordinate, clamped to
// the edges). The implicit weight of input (ih, iw) in output (oh, ow) is the product of the two
// taps' weights, so a weight transform applies to that product; taps reading the same position
// are merged and zero weights dropped, so that every entry of the implicit matrix is one weight.
struct Taps {
  I index[2];
  float weight[2];
  int count;
};

const char* name_of(ResizeCoordinates c) {
  switch (c) {
    case ResizeCoordinates::half_pixel: return "half_pixel";
    case ResizeCoordinates::pytorch_half_pixel: return "pytorch_half_pixel";
    case ResizeCoordinates::align_corners: return "align_corners";
    case ResizeCoordinates::asymmetric: return "asymmetric";
    case ResizeCoordinates::tf_half_pixel_for_nn: return "tf_half_pixel_for_nn";
  }
  return "?";
}

const char* name_of(NearestRounding r) {
  switch (r) {
    case NearestRounding::round_prefer_floor: return "round_prefer_floor";
    case NearestRounding::round_prefer_ceil: return "round_prefer_ceil";
    case NearestRounding::floor: return "floor";
    case NearestRounding::ceil: return "ceil";
    case NearestRounding::legacy: return "legacy";
  }
  return "?";
}

// The input coordinate output position o reads (ONNX's formulas, computed in float as ONNX
// Runtime and PyTorch do).
float source_coordinate(ResizeCoordinates c, I o, I in, I out, float scale) {
  const auto x = static_cast<float>(o);
  switch (c) {
    case ResizeCoordinates::half_pixel: return (x + 0.5F) / scale - 0.5F;
    case ResizeCoordinates::pytorch_half_pixel: return out > 1 ? (x + 0.5F) / scale - 0.5F : 0.0F;
    case ResizeCoordinates::align_corners:
      return out > 1 ? x * static_cast<float>(in - 1) / static_cast<float>(out - 1) : 0.0F;
    case ResizeCoordinates::asymmetric: return x / scale;
    case ResizeCoordinates::tf_half_pixel_for_nn: return (x + 0.5F) / scale;
  }
  return x;
}

I nearest_position(NearestRounding r, float x, float scale) {
  switch (r) {
    case NearestRounding::round_prefer_floor:
      return static_cast<I>(x == std::floor(x) + 0.5F ? std::floor(x) : std::round(x));
    case NearestRounding::round_prefer_ceil: return static_cast<I>(std::round(x));
    case NearestRounding::floor: return static_cast<I>(std::floor(x));
    case NearestRounding::ceil: return static_cast<I>(std::ceil(x));
    case NearestRounding::legacy:
      return scale < 1.0F ? static_cast<I>(std::ceil(x)) : static_cast<I>(x);
  }
  return 0;
}

class Resize final : public LinearLayer {
 public:
  Resize(std::string op_type, ResizeParams p) : op_type_(std::move(op_type)), p_(p) {
    if (op_type_.empty()) throw InvalidArgument("make_resize: op_type is empty");
    for (auto s : p_.scales) {
      if (!(s > 0.0) || !std::isfinite(s)) {
        throw InvalidArgument(op_type_ + ": scale " + std::to_string(s) +
                              " must be a positive number");
      }
    }
    if (p_.sizes) {
      for (auto s : *p_.sizes) {
        if (s < 1)
          throw InvalidArgument(op_type_ + ": size " + std::to_string(s) + " must be >= 1");
      }
    }
  }

  std::string op_type() const override { return op_type_; }
  LayerKind kind() const override { return LayerKind::linear; }
  std::string describe() const override {
    std::ostringstream out;
    out << (p_.mode == ResizeMode::nearest ? "nearest " : "linear ");
    if (p_.sizes) {
      out << "to " << (*p_.sizes)[0] << "x" << (*p_.sizes)[1];
    } else {
      out << "scale " << p_.scales[0] << "x" << p_.scales[1];
    }
    out << " " << name_of(p_.coordinates);
    if (p_.mode == ResizeMode::nearest) out << " " << name_of(p_.rounding);
    return out.str();
  }

  Shape output_shape(std::span<const Shape> inputs) const override {
    layers::require_input_count(*this, inputs.size(), 1);
    const auto& in = inputs[0];
    layers::require_rank(*this, in, 4);
    Shape out = in;
    for (std::size_t d = 0; d < 2; ++d) out[2 + d] = output_size(d, in[2 + d]);
    return out;
  }

  Tensor forward_with(const Tensor& x, const WeightTransform& t, bool,
                      const Backend&) const override {
    const Shape out = output_shape(std::span<const Shape>(&x.shape(), 1));
    const auto rows = taps(0, x.dim(2), out[2]), cols = taps(1, x.dim(3), out[3]);
    Tensor y(out);
    const I in_plane = x.dim(2) * x.dim(3), out_plane = out[2] * out[3];
    for (I plane = 0; plane < out[0] * out[1]; ++plane) {
      const float* src = x.data() + plane * in_plane;
      float* dst = y.data() + plane * out_plane;
      for (I oh = 0; oh < out[2]; ++oh) {
        const auto& r = rows[at(oh)];
        for (I ow = 0; ow < out[3]; ++ow) {
          const auto& c = cols[at(ow)];
          float sum = 0.0F;
          for (int a = 0; a < r.count; ++a) {
            for (int b = 0; b < c.count; ++b) {
              sum += t(r.weight[a] * c.weight[b]) * src[r.index[a] * x.dim(3) + c.index[b]];
            }
          }
          dst[oh * out[3] + ow] = sum;
        }
      }
    }
    return y;
  }

  Tensor backward_with(const Tensor& grad_y, const Shape& input_shape, const WeightTransform& t,
                       const Backend&) const override {
    const Shape out = output_shape(std::span<const Shape>(&input_shape, 1));
    if (grad_y.shape() != out) {
      throw ShapeError(label(*this) + ": output gradient " + to_string(grad_y.shape()) +
                       " does not match the output of input " + to_string(input_shape));
    }
    const I in_h = input_shape[2], in_w = input_shape[3];
    const auto rows = taps(0, in_h, out[2]), cols = taps(1, in_w, out[3]);
    Tensor dx(input_shape);
    const I in_plane = in_h * in_w, out_plane = out[2] * out[3];
    for (I plane = 0; plane < out[0] * out[1]; ++plane) {
      const float* g = grad_y.data() + plane * out_plane;
      float* dst = dx.data() + plane * in_plane;
      for (I oh = 0; oh < out[2]; ++oh) {
        const auto& r = rows[at(oh)];
        for (I ow = 0; ow < out[3]; ++ow) {
          const auto& c = cols[at(ow)];
          const float v = g[oh * out[3] + ow];
          for (int a = 0; a < r.count; ++a) {
            for (int b = 0; b < c.count; ++b) {
              dst[r.index[a] * in_w + c.index[b]] += t(r.weight[a] * c.weight[b]) * v;
            }
          }
        }
      }
    }
    return dx;
  }

  std::int64_t flops(std::span<const Shape>, const Shape& output) const override {
    return 2 * element_count(output) * (p_.mode == ResizeMode::nearest ? 1 : 4);
  }

 private:
  I output_size(std::size_t d, I in) const {
    // In float as ONNX Runtime: 10 * 0.7F is 7 in float, 6.99999988 in double (PyTorch: 7).
    const I out =
        p_.sizes
            ? (*p_.sizes)[d]
            : static_cast<I>(std::floor(static_cast<float>(in) * static_cast<float>(p_.scales[d])));
    if (out < 1) {
      throw ShapeError(label(*this) + ": input size " + std::to_string(in) + " times scale " +
                       std::to_string(p_.scales[d]) + " leaves no output position");
    }
    return out;
  }

  // The taps of every output position along spatial axis d (Note [resize as a linear layer]).
  std::vector<Taps> taps(std::size_t d, I in, I out) const {
    const float scale = p_.sizes ? static_cast<float>(out) / static_cast<float>(in)
                                 : static_cast<float>(p_.scales[d]);
    std::vector<Taps> result(at(out));
    for (I o = 0; o < out; ++o) {
      const float x = source_coordinate(p_.coordinates, o, in, out, scale);
      auto& tap = result[at(o)];
      if (p_.mode == ResizeMode::nearest) {
        tap = {{std::clamp<I>(nearest_position(p_.rounding, x, scale), 0, in - 1), 0}, {1, 0}, 1};
        continue;
      }
      const float clamped = std::clamp(x, 0.0F, static_cast<float>(in - 1));
      const auto low = static_cast<I>(clamped);
      const I high = std::min(low + 1, in - 1);
      const float fraction = clamped - static_cast<float>(low);
      tap = {{low, high}, {1.0F - fraction, fraction}, 2};
      if (high == low || fraction == 0.0F) tap = {{low, 0}, {1.0F, 0.0F}, 1};
    }
    return result;
  }

  std::string op_type_;
  ResizeParams p_;
};

}  // namespace

std::shared_ptr<const Layer> make_resize(std::string op_type, ResizeParams params) {
  return std::make_shared<const Resize>(std::move(op_type), params);
}

}  // namespace lumen
