#include "gated_product.hpp"

#include <array>

#include "layers/broadcast.hpp"
#include "lumen/error.hpp"

namespace lumen::detail {

// Note [gated products]
// A product y = a * b of two computed tensors is, in the CNNs lumen imports, a gate: squeeze-and-
// excitation multiplies a feature map by per-channel weights sigmoid(...) of shape [N,C,1,1]
// (MobileNet-v3, EfficientNet, RegNet-Y), SiLU multiplies x by sigmoid(x), HardSwish (before opset
// 14) x by HardSigmoid(x). LRP's convention for gating (Arras et al. 2017, "Explaining recurrent
// neural network predictions in sentiment analysis"; Arras et al. 2019, "Explaining and
// interpreting LSTMs") gives the gate no relevance and the signal all of it: the gate only scales
// the signal, and the rules below see the signal's own contributions. So a relevance rule that does
// not handle the product gets this routing, which keeps the total. The gate is recognised from the
// graph: the operand computed by a Sigmoid or HardSigmoid (through shape-only layers) when only one
// is, else the operand broadcast to the output's shape when only one is. Otherwise the node is
// refused by name; the `product-split` rule (plugins/rules/product) then splits it, or a composite
// picks a rule for it. Gradient rules use the product's vector-Jacobian product, DeepLIFT the
// exact product rule (plugins/explainers/deeplift).

namespace {

bool moves_values_only(const Layer& layer) {
  const auto op = layer.op_type();
  return op == "Reshape" || op == "Flatten" || op == "Identity" || op == "Dropout" ||
         op == "Transpose";
}

bool from_gate_activation(const Graph& graph, NodeId id) {
  while (id != graph.input()) {
    const Node& n = graph.node(id);
    const auto op = n.layer->op_type();
    if (op == "Sigmoid" || op == "HardSigmoid") return true;
    if (!moves_values_only(*n.layer) || n.inputs.size() != 1) return false;
    id = n.inputs[0];
  }
  return false;
}

std::optional<std::size_t> the_only(const std::array<bool, 2>& flags) {
  if (flags[0] == flags[1]) return std::nullopt;
  return flags[0] ? 0 : 1;
}

}  // namespace

bool is_product(const Node& node) {
  return node.layer->op_type() == "Mul" && node.inputs.size() == 2 && !node.layer->as_linear();
}

std::optional<std::size_t> product_gate(const Graph& graph, const Node& node) {
  const std::array<bool, 2> gate_activation{from_gate_activation(graph, node.inputs[0]),
                                            from_gate_activation(graph, node.inputs[1])};
  if (const auto gate = the_only(gate_activation)) return gate;
  const std::array<bool, 2> broadcast{graph.node(node.inputs[0]).output_shape != node.output_shape,
                                      graph.node(node.inputs[1]).output_shape != node.output_shape};
  return the_only(broadcast);
}

std::vector<Tensor> route_gated_product(const Graph& graph, const RuleInput& in) {
  const auto gate = product_gate(graph, in.node);
  if (!gate) {
    throw InvalidArgument(
        "the product '" + in.node.name + "' of '" + graph.node(in.node.inputs[0]).name + "' and '" +
        graph.node(in.node.inputs[1]).name +
        "' has no recognisable gate (neither operand alone comes from a Sigmoid or HardSigmoid "
        "or is broadcast); choose a rule for it, e.g. 'product-split'");
  }
  const std::size_t signal = 1 - *gate;
  std::vector<Tensor> out(2);
  out[*gate] = Tensor(in.inputs[*gate]->shape());
  out[signal] = layers::reduce_to(in.upstream, in.inputs[signal]->shape());
  return out;
}

// Note [quotients]
// A quotient y = a / b of two computed tensors normalises a by b (x / sqrt(mean(x^2) + eps), the
// standard deviation of a decomposed layer norm). As at a gate, the divisor only rescales the
// signal: the LN rule of Ali et al. 2022 ("XAI for Transformers: better explanations through
// conservative propagation") treats the normalising factor as a constant, so the numerator gets
// all the relevance (summed over the axes it was repeated along when it is broadcast) and the
// divisor none, which keeps the total.

bool is_quotient(const Node& node) {
  return node.layer->op_type() == "Div" && node.inputs.size() == 2 && !node.layer->as_linear();
}

std::vector<Tensor> route_quotient(const RuleInput& in) {
  std::vector<Tensor> out(2);
  out[0] = layers::reduce_to(in.upstream, in.inputs[0]->shape());
  out[1] = Tensor(in.inputs[1]->shape());
  return out;
}

}  // namespace lumen::detail
