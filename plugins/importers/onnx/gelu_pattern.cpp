#include "gelu_pattern.hpp"

#include <cmath>
#include <optional>

#include "attributes.hpp"
#include "lumen/math_layers.hpp"

namespace lumen::onnx_import {

// Note [GELU patterns]
// torch 1.13 writes nn.GELU() as x * (1 + erf(x / sqrt 2)) * 0.5:
//   Div(x, 1.4142135) -> Erf -> Add(., 1) -> Mul(x, .) -> Mul(., 0.5)
// and nn.GELU(approximate='tanh') as x * (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) * 0.5:
//   Mul(x, x) -> Mul(x, .) -> Mul(0.044715, .) -> Add(x, .) -> Mul(0.7978846, .) -> Tanh ->
//   Add(1, .) -> Mul(x, .) -> Mul(0.5, .)
// Other writers halve x first, (x * 0.5) * (1 + erf(...)), or multiply by 1/sqrt 2 instead of
// dividing by sqrt 2; the constants may stand on either side of Add and Mul. Each intermediate
// tensor must have the next node as its only reader, so no value the rest of the graph reads
// disappears. The pattern is fused at its first node in the file (the halving Mul or the Div,
// whichever comes first), and the later ones are skipped.
// Fused, GELU is one activation: LRP passes relevance through it, DeepLIFT rescales; written out,
// the product x * (1 + erf(...)) has no gate and relevance rules would refuse it.

namespace {

using Node = onnx::NodeProto;

bool in_default_domain(const Node& node) {
  return node.domain().empty() || node.domain() == "ai.onnx";
}

bool is_op(const Node* node, const char* op) {
  return node && node->op_type() == op && in_default_domain(*node) && node->output_size() >= 1;
}

// The one float a tensor holds, already known or written by a later Constant node.
std::optional<float> scalar(const NodeContext& ctx, const std::string& tensor) {
  const Constant* known = ctx.find_constant(tensor);
  Constant ahead;
  if (!known) {
    const Node* node = ctx.producer(tensor);
    if (!is_op(node, "Constant")) return std::nullopt;
    try {
      const Attributes a(*node);
      if (a.has("value")) {
        ahead = read_tensor(a.get_tensor("value"), "attribute 'value'");
      } else if (a.has("value_float")) {
        ahead.floats = {a.get_float("value_float")};
      } else {
        return std::nullopt;
      }
    } catch (const std::exception&) {
      return std::nullopt;
    }
    known = &ahead;
  }
  if (known->integer || known->size() != 1) return std::nullopt;
  return known->floats.front();
}

bool near(float value, double expected) {
  return std::fabs(static_cast<double>(value) - expected) <= 1e-5 * std::fabs(expected);
}

// The input of binary `node` other than `operand`, when `operand` is exactly one of them.
std::optional<std::string> other_input(const Node& node, const std::string& operand) {
  if (node.input_size() != 2 || node.input(0) == node.input(1)) return std::nullopt;
  if (node.input(0) == operand) return node.input(1);
  if (node.input(1) == operand) return node.input(0);
  return std::nullopt;
}

// `node` combines `operand` with a scalar constant close to `value`.
bool with_scalar(const NodeContext& ctx, const Node* node, const std::string& operand,
                 double value) {
  if (!node) return false;
  const auto other = other_input(*node, operand);
  if (!other) return false;
  const auto c = scalar(ctx, *other);
  return c && near(*c, value);
}

bool with_operands(const Node* node, const std::string& a, const std::string& b) {
  return node && node->input_size() == 2 &&
         ((node->input(0) == a && node->input(1) == b) ||
          (node->input(0) == b && node->input(1) == a));
}

// The sole reader of node's output when it has op type `op`.
const Node* next(const NodeContext& ctx, const Node* node, const char* op) {
  if (!node) return nullptr;
  const Node* reader = ctx.sole_reader(node->output(0));
  return is_op(reader, op) ? reader : nullptr;
}

struct Match {
  std::string x;
  std::vector<const Node*> nodes;  // in pattern order; the last writes the GELU
};

// From a node computing x * (1 + f) (`product`, with `one_plus` = 1 + f), and the nodes so far:
// the halving, after (Mul(product, 0.5)) or before (product = (x * 0.5) * (1 + f)).
std::optional<Match> finish(const NodeContext& ctx, Match m, const Node* one_plus) {
  const Node* product = next(ctx, one_plus, "Mul");
  if (!product) return std::nullopt;
  m.nodes.push_back(product);
  const auto other = other_input(*product, one_plus->output(0));
  if (!other) return std::nullopt;
  if (*other == m.x) {
    const Node* half = next(ctx, product, "Mul");
    if (!with_scalar(ctx, half, product->output(0), 0.5)) return std::nullopt;
    m.nodes.push_back(half);
    return m;
  }
  const Node* half = ctx.producer(*other);
  if (!is_op(half, "Mul") || !with_scalar(ctx, half, m.x, 0.5) ||
      ctx.sole_reader(half->output(0)) != product) {
    return std::nullopt;
  }
  m.nodes.insert(m.nodes.begin(), half);
  return m;
}

// Div(x, sqrt 2) or Mul(x, 1/sqrt 2) -> Erf -> Add(., 1) -> ...
std::optional<Match> erf_form(const NodeContext& ctx, const Node& scaled) {
  const bool div = is_op(&scaled, "Div");
  if (!div && !is_op(&scaled, "Mul")) return std::nullopt;
  if (scaled.input_size() != 2) return std::nullopt;
  for (int i = 0; i < 2; ++i) {
    if (div && i == 1) break;
    const std::string& x = scaled.input(i);
    if (!with_scalar(ctx, &scaled, x, div ? std::sqrt(2.0) : std::sqrt(0.5))) continue;
    const Node* erf = next(ctx, &scaled, "Erf");
    const Node* one_plus = next(ctx, erf, "Add");
    if (!one_plus || !with_scalar(ctx, one_plus, erf->output(0), 1.0)) continue;
    return finish(ctx, Match{x, {&scaled, erf, one_plus}}, one_plus);
  }
  return std::nullopt;
}

// Mul(x, x) -> Mul(x, .) -> Mul(0.044715, .) -> Add(x, .) -> Mul(sqrt(2/pi), .) -> Tanh ->
// Add(., 1) -> ...
std::optional<Match> tanh_form(const NodeContext& ctx, const Node& square) {
  if (!is_op(&square, "Mul") || square.input_size() != 2 || square.input(0) != square.input(1)) {
    return std::nullopt;
  }
  const std::string& x = square.input(0);
  const Node* cube = next(ctx, &square, "Mul");
  if (!with_operands(cube, x, square.output(0))) return std::nullopt;
  const Node* scaled_cube = next(ctx, cube, "Mul");
  if (!with_scalar(ctx, scaled_cube, cube->output(0), 0.044715)) return std::nullopt;
  const Node* inner = next(ctx, scaled_cube, "Add");
  if (!with_operands(inner, x, scaled_cube->output(0))) return std::nullopt;
  const Node* scaled = next(ctx, inner, "Mul");
  if (!with_scalar(ctx, scaled, inner->output(0), std::sqrt(2.0 / 3.14159265358979323846))) {
    return std::nullopt;
  }
  const Node* tanh = next(ctx, scaled, "Tanh");
  const Node* one_plus = next(ctx, tanh, "Add");
  if (!one_plus || !with_scalar(ctx, one_plus, tanh->output(0), 1.0)) return std::nullopt;
  return finish(ctx, Match{x, {&square, cube, scaled_cube, inner, scaled, tanh, one_plus}},
                one_plus);
}

// The erf form whose halving Mul(x, 0.5) is `half`, the pattern's first node.
std::optional<Match> erf_form_from_half(const NodeContext& ctx, const Node& half) {
  const Node* product = next(ctx, &half, "Mul");
  if (!product) return std::nullopt;
  const auto one_plus_name = other_input(*product, half.output(0));
  if (!one_plus_name) return std::nullopt;
  const Node* one_plus = ctx.producer(*one_plus_name);
  if (!is_op(one_plus, "Add") || one_plus->input_size() != 2) return std::nullopt;
  for (const auto& in : one_plus->input()) {
    const Node* erf = ctx.producer(in);
    if (!is_op(erf, "Erf") || erf->input_size() != 1) continue;
    const Node* scaled = ctx.producer(erf->input(0));
    if (!scaled) continue;
    auto m = erf_form(ctx, *scaled);
    if (m && m->nodes.front() == &half) return m;
  }
  return std::nullopt;
}

}  // namespace

bool fuse_gelu(NodeContext& ctx) {
  const Node& node = ctx.proto();
  std::optional<Match> m = erf_form(ctx, node);
  bool tanh = false;
  if (!m && (m = tanh_form(ctx, node))) tanh = true;
  if (!m) m = erf_form_from_half(ctx, node);
  if (!m || ctx.find_constant(m->x)) return false;
  // The pattern's first node in the file is this one: the others come later.
  std::vector<const Node*> absorbed;
  for (const Node* n : m->nodes) {
    if (n == &node) continue;
    if (!ctx.comes_later(*n)) return false;
    absorbed.push_back(n);
  }
  if (absorbed.size() + 1 != m->nodes.size()) return false;  // this node is not in the pattern
  const int x_index = node.input(0) == m->x ? 0 : 1;
  if (ctx.is_nhwc_view(x_index)) return false;
  ctx.add_layer(make_gelu(tanh ? GeluApproximation::tanh : GeluApproximation::none),
                {ctx.activation(x_index)}, absorbed);
  return true;
}

}  // namespace lumen::onnx_import
