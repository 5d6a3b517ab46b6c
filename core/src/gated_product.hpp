#pragma once
// Relevance through a product or quotient of two computed tensors (internal to the core library):
// Notes [gated products] and [quotients] in gated_product.cpp.
#include <optional>
#include <vector>

#include "lumen/graph.hpp"
#include "lumen/rule.hpp"

namespace lumen::detail {

/// Whether the node is an element-wise product of two computed tensors (make_mul).
bool is_product(const Node& node);

/// Which input of the product `node` is its gate: the one computed (through reshapes) by a
/// Sigmoid or HardSigmoid when only one is, else the one broadcast to the output's shape when only
/// one is; nothing when neither tells them apart.
std::optional<std::size_t> product_gate(const Graph& graph, const Node& node);

/// The gate rule: all relevance to the signal, none to the gate; throws InvalidArgument naming the
/// node when product_gate finds no gate.
std::vector<Tensor> route_gated_product(const Graph& graph, const RuleInput& in);

/// Whether the node is an element-wise quotient of two computed tensors (make_div).
bool is_quotient(const Node& node);

/// The normaliser rule: all relevance to the numerator, none to the divisor.
std::vector<Tensor> route_quotient(const RuleInput& in);

}  // namespace lumen::detail
