#include "lumen/layer.hpp"

#include "lumen/error.hpp"

namespace lumen {

// Out-of-line destructors are the key functions that put these classes' typeinfo in
// liblumen_core.so (see PLATFORM.md, hidden visibility).
LayerState::~LayerState() = default;
Layer::~Layer() = default;
LinearLayer::~LinearLayer() = default;
TrainingLayer::~TrainingLayer() = default;

std::int64_t Layer::flops(std::span<const Shape>, const Shape&) const { return 0; }

std::vector<Tensor> Layer::parameter_gradients(TensorRefs, const Tensor&, const LayerState*,
                                               const Tensor&, const Backend&) const {
  return {};
}

std::shared_ptr<const Layer> Layer::with_parameters(std::vector<Tensor> values) const {
  throw InvalidArgument(op_type() + " has no parameters to replace (given " +
                        std::to_string(values.size()) + ")");
}

namespace {
void require_one_input(const Layer& layer, std::size_t count) {
  if (count != 1) {
    throw ShapeError(layer.op_type() + " takes exactly 1 input, got " + std::to_string(count));
  }
}
}  // namespace

Tensor LinearLayer::forward(TensorRefs inputs, const Backend& backend,
                            std::unique_ptr<LayerState>*) const {
  require_one_input(*this, inputs.size());
  return forward_with(*inputs[0], {}, true, backend);
}

std::vector<Tensor> LinearLayer::backward(TensorRefs inputs, const Tensor&, const LayerState*,
                                          const Tensor& grad_output, const Backend& backend) const {
  require_one_input(*this, inputs.size());
  std::vector<Tensor> out;  // not a braced list, which would copy the gradient
  out.push_back(backward_with(grad_output, inputs[0]->shape(), {}, backend));
  return out;
}

const char* to_string(LayerKind kind) {
  switch (kind) {
    case LayerKind::input: return "input";
    case LayerKind::linear: return "linear";
    case LayerKind::activation: return "activation";
    case LayerKind::pooling: return "pooling";
    case LayerKind::normalisation: return "normalisation";
    case LayerKind::structural: return "structural";
    case LayerKind::output: return "output";
  }
  return "unknown";
}

}  // namespace lumen
