#include "lumen/error.hpp"
#include "lumen/layers.hpp"
#include "ops.hpp"

namespace lumen::onnx_import {

namespace {

// Identity-like ops: a constant input stays a constant, an activation gets a pass-through node
// (an NHWC view stays one, Note [NHWC views]).
void pass_through(NodeContext& ctx, const std::string& op_type) {
  if (ctx.is_constant(0)) {
    ctx.alias_input(0);
  } else if (ctx.is_nhwc_view(0)) {
    ctx.add_layer(make_identity(op_type), {ctx.view_source(0)});
    ctx.mark_nhwc_view();
  } else {
    ctx.add_layer(make_identity(op_type), {ctx.activation(0)});
  }
}

}  // namespace

void import_batch_norm(NodeContext& ctx) {
  const auto& a = ctx.attributes();
  if (a.get_flag("training_mode", false)) {
    throw ModelError(
        "training_mode=1 is not supported; lumen imports BatchNormalization for "
        "inference");
  }
  const auto x = ctx.activation(0);
  ctx.add_layer(
      make_batch_norm(ctx.constant(1).tensor(), ctx.constant(2).tensor(), ctx.constant(3).tensor(),
                      ctx.constant(4).tensor(), a.get_float("epsilon", 1e-5F)),
      {x});
}

void import_lrn(NodeContext& ctx) {
  const auto& a = ctx.attributes();
  ctx.add_layer(make_lrn(a.get_int("size"), a.get_float("alpha", 1e-4F), a.get_float("beta", 0.75F),
                         a.get_float("bias", 1.0F)),
                {ctx.activation(0)});
}

void import_softmax(NodeContext& ctx) {
  const auto x = ctx.activation(0);
  const auto rank = static_cast<std::int64_t>(ctx.shape(x).size());
  // Before opset 13 Softmax flattens the axes from `axis` on; only over the last axis is that a
  // softmax along one axis.
  const bool coerced = ctx.opset() < 13;
  const auto axis = ctx.attributes().get_int("axis", coerced ? 1 : -1);
  const auto resolved = axis < 0 ? axis + rank : axis;
  if (resolved < 0 || resolved >= rank) {
    throw ModelError("axis " + std::to_string(axis) + " is out of range for input " +
                     to_string(ctx.shape(x)));
  }
  if (coerced && resolved != rank - 1) {
    throw ModelError("axis " + std::to_string(axis) + " of input " + to_string(ctx.shape(x)) +
                     " flattens several axes into one softmax before opset 13, which lumen does "
                     "not support; flatten the scores first");
  }
  ctx.add_layer(make_softmax(resolved), {x});
}

void import_dropout(NodeContext& ctx) {
  if (ctx.opset() >= 12 && ctx.has_input(2)) {
    for (auto v : ctx.constant(2).concrete_ints()) {
      if (v != 0) throw ModelError("training_mode is true; lumen imports Dropout for inference");
    }
  }
  pass_through(ctx, "Dropout");
}

void import_identity(NodeContext& ctx) { pass_through(ctx, "Identity"); }

}  // namespace lumen::onnx_import
