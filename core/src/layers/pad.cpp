#include <sstream>

#include "checked_size.hpp"
#include "layers/common.hpp"
#include "lumen/error.hpp"
#include "lumen/layers.hpp"

namespace lumen {
namespace {

using layers::label;

const char* to_string(PadMode mode) {
  switch (mode) {
    case PadMode::constant: return "constant";
    case PadMode::reflect: return "reflect";
    case PadMode::edge: return "edge";
  }
  return "unknown";
}

// ONNX Pad over all axes; negative pads crop. Every output value is either a copy of one input
// value (found per axis in `sources`) or the constant, so the backward pass sums the output
// gradient into the inputs each output value was copied from.
class Pad final : public Layer {
 public:
  Pad(std::vector<std::int64_t> pads, PadMode mode, float value)
      : pads_(std::move(pads)), mode_(mode), value_(value) {
    if (pads_.empty() || pads_.size() % 2 != 0) {
      throw InvalidArgument("Pad: pads must hold a begin and an end value per axis, got " +
                            std::to_string(pads_.size()) + " values");
    }
    if (pads_[0] != 0 || pads_[rank()] != 0) {
      throw InvalidArgument("Pad: the batch axis cannot be padded (pads " +
                            std::to_string(pads_[0]) + " and " + std::to_string(pads_[rank()]) +
                            ")");
    }
  }

  std::string op_type() const override { return "Pad"; }
  LayerKind kind() const override { return LayerKind::structural; }
  std::string describe() const override {
    std::ostringstream out;
    out << to_string(mode_);
    if (mode_ == PadMode::constant) out << " " << value_;
    out << " pads " << lumen::to_string(Shape(pads_.begin(), pads_.end()));
    return out.str();
  }

  Shape output_shape(std::span<const Shape> inputs) const override {
    layers::require_input_count(*this, inputs.size(), 1);
    const Shape& in = inputs[0];
    if (in.size() != rank()) {
      throw ShapeError(label(*this) + ": pads are for rank " + std::to_string(rank()) +
                       ", the input " + lumen::to_string(in) + " has rank " +
                       std::to_string(in.size()));
    }
    Shape out = in;
    for (std::size_t a = 1; a < rank(); ++a) {
      const auto begin = pads_[a], end = pads_[a + rank()];
      const auto what = [&] {
        return label(*this) + ": axis " + std::to_string(a) + " of input " + lumen::to_string(in) +
               " padded";
      };
      out[a] = checked_add(checked_add(in[a], begin, what), end, what);
      if (out[a] < 1) {
        throw ShapeError(label(*this) + ": crops all of axis " + std::to_string(a) + " of input " +
                         lumen::to_string(in));
      }
      if (mode_ == PadMode::reflect && (begin >= in[a] || end >= in[a])) {
        throw ShapeError(label(*this) + ": reflect pads " + std::to_string(begin) + "," +
                         std::to_string(end) + " of axis " + std::to_string(a) +
                         " must be smaller than its size " + std::to_string(in[a]) + " in input " +
                         lumen::to_string(in));
      }
      if (mode_ == PadMode::edge && in[a] == 0) {
        throw ShapeError(label(*this) + ": edge padding of the empty axis " + std::to_string(a) +
                         " of input " + lumen::to_string(in));
      }
    }
    return out;
  }

  Tensor forward(TensorRefs inputs, const Backend&, std::unique_ptr<LayerState>*) const override {
    layers::require_input_count(*this, inputs.size(), 1);
    const Tensor& x = *inputs[0];
    Tensor y(output_shape(std::span<const Shape>(&x.shape(), 1)));
    walk(x.shape(), y.shape(),
         [&](std::int64_t out, std::int64_t in) { y[out] = in < 0 ? value_ : x[in]; });
    return y;
  }

  std::vector<Tensor> backward(TensorRefs inputs, const Tensor&, const LayerState*,
                               const Tensor& grad_output, const Backend&) const override {
    layers::require_input_count(*this, inputs.size(), 1);
    const Shape& shape = inputs[0]->shape();
    if (grad_output.shape() != output_shape(std::span<const Shape>(&shape, 1))) {
      throw ShapeError(label(*this) + ": output gradient " + lumen::to_string(grad_output.shape()) +
                       " does not match the output of input " + lumen::to_string(shape));
    }
    Tensor dx(shape);
    walk(shape, grad_output.shape(), [&](std::int64_t out, std::int64_t in) {
      if (in >= 0) dx[in] += grad_output[out];
    });
    return layers::single(std::move(dx));
  }

 private:
  std::size_t rank() const { return pads_.size() / 2; }

  // The input index along one axis that output index `o` copies, or -1 for the constant.
  std::int64_t source(std::int64_t o, std::int64_t begin, std::int64_t size) const {
    const auto i = o - begin;
    if (i >= 0 && i < size) return i;
    switch (mode_) {
      case PadMode::constant: return -1;
      case PadMode::edge: return i < 0 ? 0 : size - 1;
      case PadMode::reflect: return i < 0 ? -i : 2 * (size - 1) - i;
    }
    return -1;
  }

  // Calls visit(output offset, input offset or -1) for every output value, in order.
  template <class Visit>
  void walk(const Shape& in, const Shape& out, Visit visit) const {
    const auto r = in.size();
    std::vector<std::vector<std::int64_t>> sources(r);
    for (std::size_t a = 0; a < r; ++a) {
      for (std::int64_t o = 0; o < out[a]; ++o) sources[a].push_back(source(o, pads_[a], in[a]));
    }
    std::vector<std::int64_t> in_strides(r, 1);
    for (auto a = r; a-- > 1;) in_strides[a - 1] = in_strides[a] * in[a];
    std::int64_t out_offset = 0;
    auto recurse = [&](auto& self, std::size_t a, std::int64_t in_offset) -> void {
      for (auto s : sources[a]) {
        const auto next = s < 0 || in_offset < 0 ? -1 : in_offset + s * in_strides[a];
        if (a + 1 == r) {
          visit(out_offset++, next);
        } else {
          self(self, a + 1, next);
        }
      }
    };
    recurse(recurse, 0, 0);
  }

  std::vector<std::int64_t> pads_;
  PadMode mode_;
  float value_;
};

}  // namespace

std::shared_ptr<const Layer> make_pad(std::vector<std::int64_t> pads, PadMode mode, float value) {
  return std::make_shared<const Pad>(std::move(pads), mode, value);
}

}  // namespace lumen
