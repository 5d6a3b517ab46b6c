// ONNX ReduceMean over a set of non-batch axes, as a linear layer: every output value is the
// average of the input values that share its position on the kept axes, so its implicit weights
// are 1/n (n values averaged) and the LRP rules apply through forward_with / backward_with.
#include <algorithm>
#include <sstream>

#include "layers/common.hpp"
#include "lumen/error.hpp"
#include "lumen/normalisation_layers.hpp"

namespace lumen {
namespace {

using layers::at;
using layers::label;

class ReduceMean final : public LinearLayer {
 public:
  ReduceMean(std::vector<std::int64_t> axes, bool keepdims)
      : axes_(std::move(axes)), keepdims_(keepdims) {
    if (axes_.empty()) throw InvalidArgument("ReduceMean: no axes given");
    std::sort(axes_.begin(), axes_.end());
    if (axes_.front() < 1) {
      throw InvalidArgument("ReduceMean: axis " + std::to_string(axes_.front()) +
                            " is not a non-batch axis (>= 1); averaging over the batch would mix "
                            "the samples");
    }
    if (std::adjacent_find(axes_.begin(), axes_.end()) != axes_.end()) {
      throw InvalidArgument("ReduceMean: axes " + to_string(Shape(axes_)) + " name an axis twice");
    }
  }

  std::string op_type() const override { return "ReduceMean"; }
  LayerKind kind() const override { return LayerKind::linear; }
  std::string describe() const override {
    std::ostringstream out;
    out << "axes " << to_string(Shape(axes_)) << (keepdims_ ? " keepdims" : "");
    return out.str();
  }

  Shape output_shape(std::span<const Shape> inputs) const override {
    layers::require_input_count(*this, inputs.size(), 1);
    return output_of(inputs[0]);
  }

  Tensor forward_with(const Tensor& x, const WeightTransform& t, bool,
                      const Backend&) const override {
    const auto map = index_map(x.shape());
    const float w = t(1.0F / static_cast<float>(map.count));
    std::vector<double> sums(at(map.outputs), 0.0);
    for (std::int64_t i = 0; i < x.size(); ++i) sums[at(map.target[at(i)])] += x[i];
    Tensor y(output_of(x.shape()));
    for (std::int64_t o = 0; o < y.size(); ++o) y[o] = static_cast<float>(w * sums[at(o)]);
    return y;
  }

  Tensor backward_with(const Tensor& grad_y, const Shape& input_shape, const WeightTransform& t,
                       const Backend&) const override {
    layers::require_output_gradient(*this, input_shape, grad_y);
    const auto map = index_map(input_shape);
    const float w = t(1.0F / static_cast<float>(map.count));
    Tensor dx(input_shape);
    for (std::int64_t i = 0; i < dx.size(); ++i) dx[i] = w * grad_y[map.target[at(i)]];
    return dx;
  }

  std::int64_t flops(std::span<const Shape> inputs, const Shape&) const override {
    return inputs.empty() ? 0 : element_count(inputs[0]);
  }

 private:
  // For every input value, the index of the output value it is averaged into.
  struct IndexMap {
    std::vector<std::int64_t> target;
    std::int64_t outputs = 0;
    std::int64_t count = 0;  // input values per output value
  };

  IndexMap index_map(const Shape& input) const {
    output_of(input);
    const auto rank = input.size();
    std::vector<bool> reduced(rank, false);
    for (auto a : axes_) reduced[at(a)] = true;
    // Output strides of the kept axes, 0 for the reduced ones.
    std::vector<std::int64_t> strides(rank, 0);
    IndexMap map;
    map.outputs = 1;
    map.count = 1;
    for (auto a = rank; a-- > 0;) {
      if (reduced[a]) {
        map.count *= input[a];
      } else {
        strides[a] = map.outputs;
        map.outputs *= input[a];
      }
    }
    map.target.resize(at(element_count(input)));
    std::vector<std::int64_t> index(rank, 0);
    std::int64_t offset = 0;
    for (auto& target : map.target) {
      target = offset;
      for (auto a = rank; a-- > 0;) {
        offset += strides[a];
        if (++index[a] < input[a]) break;
        offset -= strides[a] * input[a];
        index[a] = 0;
      }
    }
    return map;
  }

  Shape output_of(const Shape& input) const {
    if (axes_.back() >= static_cast<std::int64_t>(input.size())) {
      throw ShapeError(label(*this) + ": input " + to_string(input) + " has no axis " +
                       std::to_string(axes_.back()));
    }
    Shape out;
    for (std::size_t a = 0; a < input.size(); ++a) {
      const bool reduced =
          std::binary_search(axes_.begin(), axes_.end(), static_cast<std::int64_t>(a));
      if (reduced && input[a] == 0) {
        throw ShapeError(label(*this) + ": input " + to_string(input) + " has no values on axis " +
                         std::to_string(a));
      }
      if (!reduced) {
        out.push_back(input[a]);
      } else if (keepdims_) {
        out.push_back(1);
      }
    }
    return out;
  }

  std::vector<std::int64_t> axes_;  // sorted
  bool keepdims_;
};

}  // namespace

std::shared_ptr<const Layer> make_reduce_mean(std::vector<std::int64_t> axes, bool keepdims) {
  return std::make_shared<const ReduceMean>(std::move(axes), keepdims);
}

}  // namespace lumen
