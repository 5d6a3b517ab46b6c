#include "checked_size.hpp"
#include "layers/common.hpp"
#include "lumen/error.hpp"
#include "lumen/layer_config.hpp"
#include "lumen/layers.hpp"

namespace lumen {
namespace layers {
// Defined beside their layers (concat.cpp, softmax.cpp).
std::optional<std::int64_t> concat_axis(const Layer& layer);
std::optional<std::int64_t> softmax_axis(const Layer& layer);
}  // namespace layers

namespace {

using layers::label;

// A layer that only changes the shape (or not even that): values pass through in order, and the
// gradient is the output gradient under the input's shape.
class ShapeOnly : public Layer {
 public:
  LayerKind kind() const override { return LayerKind::structural; }

  Tensor forward(TensorRefs inputs, const Backend&, std::unique_ptr<LayerState>*) const override {
    layers::require_input_count(*this, inputs.size(), 1);
    const Shape shape = inputs[0]->shape();
    return inputs[0]->reshaped(output_shape(std::span<const Shape>(&shape, 1)));
  }

  std::vector<Tensor> backward(TensorRefs inputs, const Tensor&, const LayerState*,
                               const Tensor& grad_output, const Backend&) const override {
    layers::require_input_count(*this, inputs.size(), 1);
    const Shape& input = inputs[0]->shape();
    layers::require_output_gradient(*this, input, grad_output);
    return layers::single(grad_output.reshaped(input));
  }
};

class Flatten final : public ShapeOnly {
 public:
  std::int64_t axis() const { return axis_; }
  explicit Flatten(std::int64_t axis) : axis_(axis) {
    if (axis == 0 || axis > 1) throw InvalidArgument(unsupported(axis));
  }
  std::string op_type() const override { return "Flatten"; }
  std::string describe() const override { return "axis " + std::to_string(axis_); }

  Shape output_shape(std::span<const Shape> inputs) const override {
    layers::require_input_count(*this, inputs.size(), 1);
    const Shape& in = inputs[0];
    layers::require_rank(*this, in, 1, true);
    const auto rank = static_cast<std::int64_t>(in.size());
    if (axis_ < 0 && axis_ + rank != 1) {
      throw InvalidArgument(unsupported(axis_) + " (axis " + std::to_string(axis_) + " of input " +
                            to_string(in) + " is " + std::to_string(axis_ + rank) + ")");
    }
    return {in[0], element_count(Shape(in.begin() + 1, in.end()))};
  }

 private:
  static std::string unsupported(std::int64_t axis) {
    return "Flatten: axis " + std::to_string(axis) +
           " is not supported; only axis 1 is, because lumen keeps the batch as the outermost "
           "dimension and flattening at another axis would merge samples or split them";
  }
  std::int64_t axis_;
};

class Reshape final : public ShapeOnly {
 public:
  const Shape& sample_shape() const { return sample_shape_; }
  explicit Reshape(Shape sample_shape) : sample_shape_(std::move(sample_shape)) {
    int inferred = 0;
    for (auto d : sample_shape_) {
      if (d < -1) {
        throw InvalidArgument("Reshape: dimension " + std::to_string(d) + " in " +
                              to_string(sample_shape_) + " is invalid (only -1 may be negative)");
      }
      inferred += d == -1;
    }
    if (inferred > 1) {
      throw InvalidArgument("Reshape: shape " + to_string(sample_shape_) +
                            " has more than one -1 to infer");
    }
  }
  std::string op_type() const override { return "Reshape"; }
  std::string describe() const override { return "to " + to_string(sample_shape_); }

  Shape output_shape(std::span<const Shape> inputs) const override {
    layers::require_input_count(*this, inputs.size(), 1);
    const Shape& in = inputs[0];
    layers::require_rank(*this, in, 1, true);
    const auto sample_count = element_count(Shape(in.begin() + 1, in.end()));
    Shape out{in[0]};
    std::int64_t known = 1;
    std::size_t infer_at = 0;
    for (std::size_t i = 0; i < sample_shape_.size(); ++i) {
      auto d = sample_shape_[i];
      if (d == 0) {
        if (i + 1 >= in.size()) {
          throw ShapeError(label(*this) + ": 0 at position " + std::to_string(i) +
                           " copies a dimension the input " + to_string(in) + " does not have");
        }
        d = in[i + 1];
      }
      if (d == -1) {
        infer_at = out.size();
      } else {
        known = checked_mul(known, d, [&] {
          return label(*this) + ": the element count of " + to_string(sample_shape_);
        });
      }
      out.push_back(d);
    }
    if (infer_at) {
      if (known == 0 || sample_count % known != 0) {
        throw ShapeError(label(*this) + ": cannot infer the -1 for input " + to_string(in) + " (" +
                         std::to_string(sample_count) + " values per sample)");
      }
      out[infer_at] = sample_count / known;
    } else if (known != sample_count) {
      throw ShapeError(label(*this) + ": input " + to_string(in) + " has " +
                       std::to_string(sample_count) + " values per sample, the target shape " +
                       std::to_string(known));
    }
    return out;
  }

 private:
  Shape sample_shape_;
};

class Identity final : public ShapeOnly {
 public:
  explicit Identity(std::string op_type) : op_type_(std::move(op_type)) {
    if (op_type_.empty()) throw InvalidArgument("Identity: op_type must not be empty");
  }
  std::string op_type() const override { return op_type_; }
  Shape output_shape(std::span<const Shape> inputs) const override {
    layers::require_input_count(*this, inputs.size(), 1);
    return inputs[0];
  }

 private:
  std::string op_type_;
};

}  // namespace

std::shared_ptr<const Layer> make_flatten(std::int64_t axis) {
  return std::make_shared<const Flatten>(axis);
}

std::shared_ptr<const Layer> make_reshape(Shape sample_shape) {
  return std::make_shared<const Reshape>(std::move(sample_shape));
}

std::shared_ptr<const Layer> make_identity(std::string op_type) {
  return std::make_shared<const Identity>(std::move(op_type));
}

std::optional<Shape> reshape_shape(const Layer& layer) {
  if (const auto* reshape = dynamic_cast<const Reshape*>(&layer)) return reshape->sample_shape();
  return std::nullopt;
}

std::optional<std::int64_t> layer_axis(const Layer& layer) {
  if (const auto* flatten = dynamic_cast<const Flatten*>(&layer)) return flatten->axis();
  if (auto axis = layers::concat_axis(layer)) return axis;
  return layers::softmax_axis(layer);
}

}  // namespace lumen
