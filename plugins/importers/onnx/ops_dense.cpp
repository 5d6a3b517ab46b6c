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

// One value per output column from a constant broadcast against [N, m] (shapes [], [1], [m],
// [1, m], [1, 1]); nullopt when it does not broadcast that way.
std::optional<std::vector<float>> row_bias(const Constant& c, I m) {
  if (c.integer || c.shape.size() > 2) return std::nullopt;
  if (c.size() == 1) return std::vector<float>(static_cast<std::size_t>(m), c.floats[0]);
  if (c.shape.back() != m || c.size() != m) return std::nullopt;
  return c.floats;
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
    auto values = row_bias(c, m);
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

void import_matmul(NodeContext& ctx) {
  const auto x = ctx.activation(0);
  if (ctx.shape(x).size() != 2) {
    throw ModelError("input A has shape " + to_string(ctx.shape(x)) +
                     "; lumen maps MatMul to a linear layer over [N, features] inputs");
  }
  const auto& b = matrix_input(ctx, 1);
  const I k = b.shape[0], m = b.shape[1];
  std::vector<float> w(static_cast<std::size_t>(m * k));
  for (I i = 0; i < m; ++i) {
    for (I j = 0; j < k; ++j) {
      w[static_cast<std::size_t>(i * k + j)] = b.floats[static_cast<std::size_t>(j * m + i)];
    }
  }
  // MatMul followed by Add of a per-output constant is one linear layer with a bias.
  const auto* add = ctx.sole_consumer();
  std::optional<std::vector<float>> bias;
  if (add && add->op_type() == "Add" && (add->domain().empty() || add->domain() == "ai.onnx") &&
      add->input_size() == 2 && add->input(0) != add->input(1)) {
    const auto& other = add->input(0) == ctx.proto().output(0) ? add->input(1) : add->input(0);
    if (const auto* c = ctx.find_constant(other)) bias = row_bias(*c, m);
  }
  if (bias) {
    ctx.add_layer(make_linear(Tensor({m, k}, std::move(w)), Tensor({m}, std::move(*bias))), {x},
                  add);
  } else {
    ctx.add_layer(make_linear(Tensor({m, k}, std::move(w)), std::nullopt), {x});
  }
}

}  // namespace lumen::onnx_import
