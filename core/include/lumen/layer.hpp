#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "lumen/export.hpp"
#include "lumen/tensor.hpp"

namespace lumen {

class Backend;
class LinearLayer;
class TrainingLayer;

/// What a layer does, as the propagation rules and the CLI need to know it.
enum class LayerKind {
  input,          ///< the model's input placeholder
  linear,         ///< affine in its one input: Conv, Gemm, average pooling
  activation,     ///< element-wise non-linearity: ReLU, Sigmoid, Tanh
  pooling,        ///< non-linear pooling: max-pooling
  normalisation,  ///< BatchNormalization (affine per channel), LRN
  structural,     ///< moves or combines values: Flatten, Reshape, Concat, Add, Pad, Identity
  output,         ///< Softmax
};
LUMEN_API const char* to_string(LayerKind kind);

/// What a layer records in a forward pass for its backward pass (e.g. max-pool winners).
class LUMEN_API LayerState {
 public:
  virtual ~LayerState();
};

using TensorRefs = std::span<const Tensor* const>;

/// One operation of the model graph. Layers are immutable after construction and every method is
/// const and thread-safe. Tensors carry the batch as their outermost dimension.
class LUMEN_API Layer {
 public:
  virtual ~Layer();
  /// The operation's name as in ONNX ("Conv", "Relu", "MaxPool", ...).
  virtual std::string op_type() const = 0;
  virtual LayerKind kind() const = 0;
  /// Shape of the output for inputs of these shapes; throws ShapeError saying what does not fit.
  virtual Shape output_shape(std::span<const Shape> inputs) const = 0;
  /// Computes the output. A layer that needs state for its backward pass stores it in *state
  /// when state is not null; backward then receives it (or null, and recomputes what it needs).
  virtual Tensor forward(TensorRefs inputs, const Backend& backend,
                         std::unique_ptr<LayerState>* state) const = 0;
  /// Vector-Jacobian product: for each input, the gradient of sum(grad_output * output) with
  /// respect to that input, given the forward's inputs, output and state.
  virtual std::vector<Tensor> backward(TensorRefs inputs, const Tensor& output,
                                       const LayerState* state, const Tensor& grad_output,
                                       const Backend& backend) const = 0;
  /// Number of trainable parameters.
  virtual std::int64_t parameter_count() const { return 0; }
  /// Floating-point operations of one forward pass (a multiply-add counts 2).
  virtual std::int64_t flops(std::span<const Shape> inputs, const Shape& output) const;
  /// Short human-readable configuration, e.g. "3x3/1 pad 1 16->32".
  virtual std::string describe() const { return {}; }
  /// This layer as a LinearLayer, or null. (A kind() query, not a dynamic_cast across plugins.)
  virtual const LinearLayer* as_linear() const { return nullptr; }

  // Training. Layers stay immutable: a training step makes new layers with with_parameters().

  /// The trainable parameters in a fixed order (Conv/Gemm: weight, then bias when present;
  /// BatchNormalization: scale, bias). Empty for layers without parameters. The pointers live as
  /// long as the layer.
  virtual std::vector<const Tensor*> parameters() const { return {}; }
  /// For each parameter, in parameters() order and shape, the gradient of sum(grad_output *
  /// output) with respect to it, summed over the batch; arguments as for backward(). The default
  /// (no parameters) returns an empty vector.
  virtual std::vector<Tensor> parameter_gradients(TensorRefs inputs, const Tensor& output,
                                                  const LayerState* state,
                                                  const Tensor& grad_output,
                                                  const Backend& backend) const;
  /// A new layer like this one with `values` as its parameters (parameters() order and shapes).
  /// Throws InvalidArgument naming the parameter whose shape differs, or when the count differs
  /// (the default: a layer without parameters accepts none and is not copied, so it throws).
  virtual std::shared_ptr<const Layer> with_parameters(std::vector<Tensor> values) const;
  /// This layer as a TrainingLayer (its forward differs while training), or null.
  virtual const TrainingLayer* as_training() const { return nullptr; }
};

/// A layer whose forward pass differs while training: BatchNormalization normalises with the
/// statistics of the batch it is given and keeps running statistics for inference. Inference
/// (forward) is unchanged; the training forward records a state, and backward() and
/// parameter_gradients() given that state differentiate the training-mode function.
class LUMEN_API TrainingLayer {
 public:
  virtual ~TrainingLayer();
  /// The training-mode forward. `state` must not be null: it receives what backward(),
  /// parameter_gradients() and with_running_statistics() need. Throws ShapeError when the batch
  /// is too small to have statistics (one value per channel).
  virtual Tensor forward_training(TensorRefs inputs, const Backend& backend,
                                  std::unique_ptr<LayerState>* state) const = 0;
  /// A new layer like this one whose running statistics moved towards the batch statistics that
  /// forward_training recorded in `states` (averaged in the given order, so the result does not
  /// depend on scheduling): running = (1 - momentum) * running + momentum * batch, momentum in
  /// [0, 1]. Throws InvalidArgument for an empty list or a state of another kind.
  virtual std::shared_ptr<const Layer> with_running_statistics(
      std::span<const LayerState* const> states, float momentum) const = 0;
};

/// An element-wise change applied to a linear layer's weights and bias, as the LRP rules need:
/// identity w, positive part w+, negative part w-, gamma w + gamma*w+, square w^2, flat 1.
struct WeightTransform {
  enum class Kind { identity, positive, negative, gamma, square, flat };
  Kind kind = Kind::identity;
  float gamma = 0.0F;
  float operator()(float w) const {
    switch (kind) {
      case Kind::identity: return w;
      case Kind::positive: return w > 0.0F ? w : 0.0F;
      case Kind::negative: return w < 0.0F ? w : 0.0F;
      case Kind::gamma: return w + gamma * (w > 0.0F ? w : 0.0F);
      case Kind::square: return w * w;
      case Kind::flat: return 1.0F;
    }
    return w;
  }
};

/// A layer computing y = W x + b in its single input x. Besides the plain forward/backward it
/// evaluates the same map with transformed weights (the hook every LRP rule is built on).
class LUMEN_API LinearLayer : public Layer {
 public:
  ~LinearLayer() override;
  /// forward_with(x, identity, with bias).
  Tensor forward(TensorRefs inputs, const Backend& backend,
                 std::unique_ptr<LayerState>* state) const override;
  /// backward_with(grad_output, identity).
  std::vector<Tensor> backward(TensorRefs inputs, const Tensor& output, const LayerState* state,
                               const Tensor& grad_output, const Backend& backend) const override;
  /// y = t(W) x + (with_bias ? t(b) : 0).
  virtual Tensor forward_with(const Tensor& x, const WeightTransform& t, bool with_bias,
                              const Backend& backend) const = 0;
  /// The vector-Jacobian product of x -> t(W) x: returns t(W)^T grad_y, shaped like the input.
  virtual Tensor backward_with(const Tensor& grad_y, const Shape& input_shape,
                               const WeightTransform& t, const Backend& backend) const = 0;
  const LinearLayer* as_linear() const override { return this; }
};

}  // namespace lumen
