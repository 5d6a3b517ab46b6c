#include "lumen/error.hpp"
#include "lumen/layers.hpp"
#include "ops.hpp"

namespace lumen::onnx_import {

namespace {

using I = std::int64_t;

const Constant& matrix_input(const NodeContext& ctx, int i) {
  const auto& b = ctx.constant(i);
  if (b.integer || b.shape.size() != 2) {
    throw ModelError("input " + std::to_string(i) +
                     " must be a 2-D float constant (the weights); it has shape " +
                     to_string(b.shape));
  }
  return b;
}

// One value per output column from a constant broadcast against an output [N, ..., m] of rank
// `rank` (shapes [], [1], [m], [1, m], [1, 1, m], ...); nullopt when it does not broadcast that
// way.
std::optional<std::vector<float>> row_bias(const Constant& c, I m, std::size_t rank) {
  if (c.integer || c.shape.size() > rank) return std::nullopt;
  if (c.size() == 1) return std::vector<float>(static_cast<std::size_t>(m), c.floats[0]);
  if (c.shape.back() != m || c.size() != m) return std::nullopt;
  return c.floats;
}

// The linear layer's [out, in] weight from a MatMul operand [in, out].
Tensor transposed(const Constant& b) {
  const I k = b.shape[0], m = b.shape[1];
  std::vector<float> w(static_cast<std::size_t>(m * k));
  for (I i = 0; i < m; ++i) {
    for (I j = 0; j < k; ++j) {
      w[static_cast<std::size_t>(i * k + j)] = b.floats[static_cast<std::size_t>(j * m + i)];
    }
  }
  return Tensor({m, k}, std::move(w));
}

std::string inputs_of(const NodeContext& ctx) {
  return "'" + ctx.proto().input(0) + "' and '" + ctx.proto().input(1) + "'";
}

void require_float_constant(const Constant& c, const char* which) {
  if (c.integer)
    throw ModelError(std::string(which) + " is an integer constant; lumen needs floats");
}

// A [N, ..., K] x B [K, M] (nn.Linear over the last axis), fused with a following Add of one
// bias per output; B [K] gives [N, ...] (a linear layer to one output, then the axis dropped).
void activation_times_constant(NodeContext& ctx) {
  const auto x = ctx.activation(0);
  const Shape a = ctx.shape(x);  // a copy: adding steps below may move the graph's nodes
  const auto& b = ctx.constant(1);
  require_float_constant(b, "input B");
  if (b.shape.empty() || b.shape.size() > 2) {
    throw ModelError("input B ('" + ctx.proto().input(1) + "') has shape " + to_string(b.shape) +
                     "; lumen maps MatMul by a constant [K, M] or [K] (no batched constant)");
  }
  if (a.back() != b.shape[0]) {
    throw ModelError("input A has shape " + to_string(a) + " and input B " + to_string(b.shape) +
                     ": the last axis of A must equal the first of B");
  }
  if (b.shape.size() == 1) {
    if (a.size() < 3) {
      throw ModelError("input A has shape " + to_string(a) + " and input B " + to_string(b.shape) +
                       ": the product would have no axis besides the batch");
    }
    const auto dot =
        ctx.add_step(make_linear(Tensor({1, b.shape[0]}, b.floats), std::nullopt), {x}, "dot");
    ctx.add_layer(make_reshape(Shape(a.begin() + 1, a.end() - 1)), {dot});
    return;
  }
  const I m = b.shape[1];
  Tensor w = transposed(b);
  // MatMul followed by Add of a per-output constant is one linear layer with a bias.
  const auto* add = ctx.sole_consumer();
  std::optional<std::vector<float>> bias;
  if (add && add->op_type() == "Add" && (add->domain().empty() || add->domain() == "ai.onnx") &&
      add->input_size() == 2 && add->input(0) != add->input(1)) {
    const auto& other = add->input(0) == ctx.proto().output(0) ? add->input(1) : add->input(0);
    if (const auto* c = ctx.find_constant(other)) bias = row_bias(*c, m, a.size());
  }
  if (bias) {
    ctx.add_layer(make_linear(std::move(w), Tensor({m}, std::move(*bias))), {x}, add);
  } else {
    ctx.add_layer(make_linear(std::move(w), std::nullopt), {x});
  }
}

// A [P, K] x B [N, ..., K, M]: a linear layer with weight A over B's second-to-last axis, which
// Transposes bring last and back.
void constant_times_activation(NodeContext& ctx) {
  const auto& a = ctx.constant(0);
  require_float_constant(a, "input A");
  const auto x = ctx.activation(1);
  const Shape& b = ctx.shape(x);
  if (a.shape.size() != 2) {
    throw ModelError("input A ('" + ctx.proto().input(0) + "') has shape " + to_string(a.shape) +
                     "; lumen maps a constant first operand of MatMul only as a matrix [P, K]");
  }
  if (b.size() < 3) {
    throw ModelError("input B has shape " + to_string(b) +
                     "; with a constant A lumen needs B [N, ..., K, M], the batch axis outside "
                     "the product");
  }
  if (b[b.size() - 2] != a.shape[1]) {
    throw ModelError("input A has shape " + to_string(a.shape) + " and input B " + to_string(b) +
                     ": the last axis of A must equal the second-to-last of B");
  }
  std::vector<I> perm;
  for (I i = 0; i < static_cast<I>(b.size()); ++i) perm.push_back(i);
  std::swap(perm[b.size() - 1], perm[b.size() - 2]);
  const auto moved = ctx.add_step(make_transpose(perm), {x}, "to_last");
  const auto product = ctx.add_step(make_linear(a.tensor(), std::nullopt), {moved}, "linear");
  ctx.add_layer(make_transpose(perm), {product});
}

}  // namespace

void import_gemm(NodeContext& ctx) {
  const auto& a = ctx.attributes();
  if (a.get_flag("transA", false)) {
    throw ModelError("transA=1 is not supported; input A must be the activations [N, K]");
  }
  const bool trans_b = a.get_flag("transB", false);
  const float alpha = a.get_float("alpha", 1.0F);
  const float beta = a.get_float("beta", 1.0F);
  const auto x = ctx.activation(0);
  const auto& b = matrix_input(ctx, 1);
  const I m = trans_b ? b.shape[0] : b.shape[1];
  const I k = trans_b ? b.shape[1] : b.shape[0];
  // Linear weights are [out, in] = alpha * op(B)^T.
  std::vector<float> w(static_cast<std::size_t>(m * k));
  for (I i = 0; i < m; ++i) {
    for (I j = 0; j < k; ++j) {
      const auto stored = trans_b ? b.floats[static_cast<std::size_t>(i * k + j)]
                                  : b.floats[static_cast<std::size_t>(j * m + i)];
      w[static_cast<std::size_t>(i * k + j)] = alpha * stored;
    }
  }
  std::optional<Tensor> bias;
  if (ctx.has_input(2)) {
    const auto& c = ctx.constant(2);
    auto values = row_bias(c, m, 2);
    if (!values) {
      throw ModelError("input C has shape " + to_string(c.shape) +
                       ", which does not broadcast to one bias per output (" + std::to_string(m) +
                       ")");
    }
    for (auto& v : *values) v *= beta;
    bias = Tensor({m}, std::move(*values));
  }
  ctx.add_layer(make_linear(Tensor({m, k}, std::move(w)), std::move(bias)), {x});
}

// MatMul with one constant operand (numpy's matmul; a 1-D B drops the last axis).
void import_matmul(NodeContext& ctx) {
  const bool a_constant = ctx.is_constant(0), b_constant = ctx.is_constant(1);
  if (a_constant && b_constant) {
    throw ModelError("MatMul of the two constants " + inputs_of(ctx) +
                     " is not supported; lumen folds no constant products");
  }
  if (!a_constant && !b_constant) {
    throw ModelError("MatMul of two tensors computed from the input (" + inputs_of(ctx) +
                     ") is not supported; lumen maps MatMul with one constant operand");
  }
  if (b_constant) {
    activation_times_constant(ctx);
  } else {
    constant_times_activation(ctx);
  }
}

}  // namespace lumen::onnx_import
