#pragma once
/// Whole-model training passes: the training-mode forward, parameter gradients by one reverse
/// pass, and models rebuilt with new parameters (layers are immutable: training makes new ones).
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "lumen/backend.hpp"
#include "lumen/graph.hpp"
#include "lumen/layer.hpp"
#include "lumen/model.hpp"
#include "lumen/tensor.hpp"

namespace lumen::training {

/// Every node's output and layer state from one forward pass, indexed by NodeId.
struct Pass {
  std::vector<Tensor> outputs;
  std::vector<std::unique_ptr<LayerState>> states;
};

/// A forward pass of `input` ([N, C, H, W]) through the whole graph. With `training`, layers
/// that have a TrainingLayer run its training forward (BatchNormalization uses the batch's
/// statistics); otherwise it is the inference forward. Errors name the node at fault.
Pass forward_pass(const Model& model, const Tensor& input, const Backend& backend, bool training);

/// A gradient signal entering the reverse pass: d(objective)/d(output of `node`).
struct Seed {
  NodeId node;
  Tensor gradient;
};

/// The gradient of sum over seeds of sum(seed.gradient * output(seed.node)) with respect to every
/// parameter, in model_parameters() order, by one reverse pass over `pass`. Nodes listed in
/// `frozen` (by id) get zero gradients and their parameter gradients are not computed.
std::vector<Tensor> parameter_gradients(const Model& model, const Pass& pass,
                                        const std::vector<Seed>& seeds, const Backend& backend,
                                        const std::vector<NodeId>& frozen = {});

/// The model's trainable parameters, in node-id order and each layer's parameters() order.
std::vector<Tensor> model_parameters(const Model& model);
/// For each of model_parameters(): the node it belongs to.
std::vector<NodeId> parameter_owners(const Model& model);
/// A copy of `model` whose layers take `parameters` (model_parameters() order and shapes).
/// Throws InvalidArgument naming the node when a count or shape does not fit.
Model with_parameters(const Model& model, std::vector<Tensor> parameters);
/// A copy of `model` whose training layers (batch-norm) moved their running statistics towards
/// those recorded in `passes` (training-mode passes of this model, averaged in the given order).
Model with_running_statistics(const Model& model, const std::vector<const Pass*>& passes,
                              float momentum);
/// Whether the model has layers that behave differently while training.
bool has_training_layers(const Model& model);

}  // namespace lumen::training
