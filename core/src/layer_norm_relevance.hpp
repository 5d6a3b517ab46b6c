#pragma once
// Relevance through a layer-norm node (internal to the core library): Note [relevance through
// LayerNorm] in layer_norm_relevance.cpp.
#include <vector>

#include "lumen/graph.hpp"
#include "lumen/rule.hpp"

namespace lumen::detail {

/// Whether the node's layer is a layer norm (make_layer_norm).
bool is_layer_norm(const Node& node);

/// The LN rule: relevance through the layer with its normalising factor held constant, by the
/// epsilon rule.
std::vector<Tensor> route_layer_norm(const RuleInput& in);

}  // namespace lumen::detail
