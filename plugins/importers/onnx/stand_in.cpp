#include "stand_in.hpp"

#include <set>

#include "lumen/error.hpp"

namespace lumen::onnx_import {

namespace {

class StandIn final : public Layer {
 public:
  StandIn(std::string op_type, Shape shape)
      : op_type_(std::move(op_type)), shape_(std::move(shape)) {}

  std::string op_type() const override { return op_type_; }
  LayerKind kind() const override { return LayerKind::structural; }
  Shape output_shape(std::span<const Shape> inputs) const override {
    Shape out = shape_;
    if (!inputs.empty() && !inputs[0].empty()) out[0] = inputs[0][0];
    return out;
  }
  Tensor forward(TensorRefs, const Backend&, std::unique_ptr<LayerState>*) const override {
    throw ModelError("a stand-in for a refused " + op_type_ + " node cannot run");
  }
  std::vector<Tensor> backward(TensorRefs, const Tensor&, const LayerState*, const Tensor&,
                               const Backend&) const override {
    throw ModelError("a stand-in for a refused " + op_type_ + " node cannot run");
  }

 private:
  std::string op_type_;
  Shape shape_;
};

// NumPy broadcasting of `b` into `a`; false when the dimensions do not fit.
bool broadcast_into(Shape& a, const Shape& b) {
  if (b.size() > a.size()) a.insert(a.begin(), b.size() - a.size(), 1);
  const auto offset = a.size() - b.size();
  for (std::size_t d = 0; d < b.size(); ++d) {
    auto& to = a[offset + d];
    if (to == 1) {
      to = b[d];
    } else if (b[d] != 1 && b[d] != to) {
      return false;
    }
  }
  return true;
}

}  // namespace

bool add_stand_in(NodeContext& ctx) {
  static const std::set<std::string> broadcasting{"Add", "Sub", "Mul", "Div"};
  if (!broadcasting.count(ctx.proto().op_type())) return false;
  try {
    Shape shape;
    std::vector<NodeId> activations;
    for (int i = 0; i < ctx.input_count(); ++i) {
      if (ctx.is_constant(i)) {
        if (!broadcast_into(shape, ctx.constant(i).shape)) return false;
        continue;
      }
      activations.push_back(ctx.activation(i));
      if (!broadcast_into(shape, ctx.shape(activations.back()))) return false;
    }
    // The batch axis must stay the activations' own (size 1 while importing).
    if (activations.empty() || shape.empty() || shape[0] != 1) return false;
    ctx.add_layer(std::make_shared<const StandIn>(ctx.proto().op_type(), shape), activations);
    return true;
  } catch (const Error&) {
    return false;  // an input missing, not produced by an earlier node, or an NHWC view
  }
}

}  // namespace lumen::onnx_import
