// Axis and layout ops: Transpose, ReduceMean (global average pooling where it is one, else a
// mean over any non-batch axes, or a decomposed layer norm), Squeeze, Unsqueeze and Cast (of
// constants).
#include <cmath>

#include "folding.hpp"
#include "lumen/error.hpp"
#include "lumen/layers.hpp"
#include "lumen/normalisation_layers.hpp"
#include "nhwc.hpp"
#include "ops.hpp"

namespace lumen::onnx_import {

namespace {

using I = std::int64_t;

std::string format(const std::vector<I>& values) { return to_string(Shape(values)); }

// The perm attribute (default: the axes reversed), checked to be a permutation of `rank` axes.
std::vector<I> perm_of(const NodeContext& ctx, std::size_t rank) {
  std::vector<I> reversed;
  for (auto a = static_cast<I>(rank); a-- > 0;) reversed.push_back(a);
  const auto perm = ctx.attributes().get_ints("perm", reversed);
  std::vector<bool> seen(rank, false);
  bool valid = perm.size() == rank;
  for (std::size_t i = 0; valid && i < rank; ++i) {
    valid =
        perm[i] >= 0 && perm[i] < static_cast<I>(rank) && !seen[static_cast<std::size_t>(perm[i])];
    if (valid) seen[static_cast<std::size_t>(perm[i])] = true;
  }
  if (!valid) {
    throw ModelError("perm " + format(perm) + " is not a permutation of the axes of a rank-" +
                     std::to_string(rank) + " tensor");
  }
  return perm;
}

// The axes of Squeeze/Unsqueeze: an attribute before opset 13, an optional input from 13 on.
std::optional<std::vector<I>> axes_of(const NodeContext& ctx) {
  if (ctx.opset() < 13) {
    if (!ctx.attributes().has("axes")) return std::nullopt;
    return ctx.attributes().get_ints("axes");
  }
  if (!ctx.has_input(1)) return std::nullopt;
  return ctx.constant(1).concrete_ints();
}

// A Squeeze/Unsqueeze of an activation, from its shape [1, ...] to `shape`: a per-sample reshape,
// as long as the batch axis is not among the axes.
void reshape_activation(NodeContext& ctx, NodeId x, const std::vector<I>& axes,
                        const Shape& shape) {
  if (!axes.empty() && axes.front() == 0) {
    throw ModelError(ctx.proto().op_type() + " of axis 0 of '" + ctx.proto().input(0) +
                     "', a tensor computed from the input, is not supported; lumen keeps the "
                     "batch as the outermost axis");
  }
  ctx.add_layer(make_reshape(Shape(shape.begin() + 1, shape.end())), {x});
}

}  // namespace

void import_transpose(NodeContext& ctx) {
  if (ctx.is_constant(0)) {
    const auto& c = ctx.constant(0);
    ctx.set_constant(transpose_constant(c, perm_of(ctx, c.shape.size())));
    return;
  }
  if (ctx.is_nhwc_view(0)) {
    const auto on_nchw = perm_on_nchw(perm_of(ctx, 4));
    if (on_nchw == std::vector<I>{0, 1, 2, 3}) {
      ctx.alias_view_source(0);
    } else {
      ctx.add_layer(make_transpose(on_nchw), {ctx.view_source(0)});
    }
    return;
  }
  const auto x = ctx.activation(0);
  const auto& shape = ctx.shape(x);
  const auto perm = perm_of(ctx, shape.size());
  if (perm == std::vector<I>{0, 2, 3, 1} && ctx.readers_take_nhwc_view(nhwc_of(shape))) {
    ctx.alias_as_nhwc_view(0);
    return;
  }
  ctx.add_layer(make_transpose(perm), {x});
}

void import_reduce_mean(NodeContext& ctx) {
  if (import_layer_norm_chain(ctx)) return;
  const bool view = ctx.is_nhwc_view(0);
  const auto x = view ? ctx.view_source(0) : ctx.activation(0);
  // The input's shape as the file sees it.
  const Shape shape = view ? nhwc_of(ctx.shape(x)) : ctx.shape(x);
  const auto& a = ctx.attributes();
  const bool keepdims = a.get_flag("keepdims", true);
  if (!a.has("axes")) {
    throw ModelError("ReduceMean over all axes of input " + to_string(shape) +
                     " (no 'axes'), the batch included, is not supported; lumen averages over "
                     "non-batch axes only");
  }
  const auto given = a.get_ints("axes");
  const auto axes = resolve_axes(given, static_cast<I>(shape.size()));
  const bool nchw_spatial = shape.size() == 4 && !view && axes == std::vector<I>{2, 3};
  const bool nhwc_spatial = shape.size() == 4 && axes == std::vector<I>{1, 2};
  if (!nchw_spatial && !nhwc_spatial) {
    if (axes.empty() || axes.front() == 0) {
      throw ModelError("ReduceMean over axes " + format(given) + " of input " + to_string(shape) +
                       " includes the batch axis; lumen averages over non-batch axes only");
    }
    // A view reaches ReduceMean only over its spatial axes (Note [NHWC views]): activation() holds.
    ctx.add_layer(make_reduce_mean(axes, keepdims), {ctx.activation(0)});
    return;
  }
  if (nchw_spatial) {
    if (keepdims) {
      ctx.add_layer(make_global_average_pool(), {x});
    } else {
      ctx.add_layer(make_flatten(1), {ctx.add_step(make_global_average_pool(), {x}, "pool")});
    }
    return;
  }
  // Over H and W of an NHWC tensor: pool its NCHW data (which a view already is).
  const auto nchw = view ? x : ctx.add_step(make_transpose({0, 3, 1, 2}), {x}, "to_nchw");
  const auto pooled = ctx.add_step(make_global_average_pool(), {nchw}, "pool");
  if (keepdims) {
    // [N, C, 1, 1] and the file's [N, 1, 1, C] hold the same values in the same order.
    ctx.add_layer(make_reshape({1, 1, shape[3]}), {pooled});
  } else {
    ctx.add_layer(make_flatten(1), {pooled});
  }
}

void import_unsqueeze(NodeContext& ctx) {
  const auto given = axes_of(ctx);
  if (!given) throw ModelError("the axes are missing");
  const bool constant = ctx.is_constant(0);
  const auto x = constant ? NodeId{} : ctx.activation(0);
  const Shape& in = constant ? ctx.constant(0).shape : ctx.shape(x);
  const auto axes = resolve_axes(*given, static_cast<I>(in.size() + given->size()));
  Shape out;
  auto next = in.begin();
  for (std::size_t a = 0, k = 0; a < in.size() + axes.size(); ++a) {
    const bool inserted = k < axes.size() && axes[k] == static_cast<I>(a);
    k += inserted;
    out.push_back(inserted ? 1 : *next++);
  }
  if (!constant) {
    reshape_activation(ctx, x, axes, out);
    return;
  }
  Constant c = ctx.constant(0);
  c.shape = std::move(out);
  ctx.set_constant(std::move(c));
}

void import_squeeze(NodeContext& ctx) {
  const auto given = axes_of(ctx);
  const bool constant = ctx.is_constant(0);
  if (!constant && !given) {
    throw ModelError("Squeeze without axes of '" + ctx.proto().input(0) +
                     "', a tensor computed from the input, is not supported: it would drop the "
                     "batch axis of a batch of one; lumen needs the axes");
  }
  const auto x = constant ? NodeId{} : ctx.activation(0);
  const Shape& in = constant ? ctx.constant(0).shape : ctx.shape(x);
  std::vector<I> axes;
  if (given) {
    axes = resolve_axes(*given, static_cast<I>(in.size()));
  } else {
    for (std::size_t a = 0; a < in.size(); ++a) {
      if (in[a] == 1) axes.push_back(static_cast<I>(a));
    }
  }
  Shape out;
  for (std::size_t a = 0, k = 0; a < in.size(); ++a) {
    if (k < axes.size() && axes[k] == static_cast<I>(a)) {
      ++k;
      if (in[a] != 1 && (constant || a > 0)) {
        throw ModelError("axis " + std::to_string(a) + " of input " + to_string(in) + " has size " +
                         std::to_string(in[a]) + "; Squeeze removes only axes of size 1");
      }
    } else {
      out.push_back(in[a]);
    }
  }
  if (!constant) {
    reshape_activation(ctx, x, axes, out);
    return;
  }
  Constant c = ctx.constant(0);
  c.shape = std::move(out);
  ctx.set_constant(std::move(c));
}

void import_cast(NodeContext& ctx) {
  const auto to = ctx.attributes().get_int("to");
  if (!ctx.is_constant(0)) {
    // Activations are float32 already: a Cast to FLOAT changes nothing.
    if (to == onnx::TensorProto::FLOAT) {
      ctx.alias_input(0);
      return;
    }
    throw ModelError("Cast of '" + ctx.proto().input(0) +
                     "', a tensor computed from the input, to a type other than FLOAT is not "
                     "supported; lumen computes in float32");
  }
  const auto& in = ctx.constant(0);
  Constant c;
  c.shape = in.shape;
  if (to == onnx::TensorProto::FLOAT) {
    if (!in.integer) {
      c.floats = in.floats;
    } else {
      for (auto v : in.concrete_ints()) c.floats.push_back(static_cast<float>(v));
    }
  } else if (to == onnx::TensorProto::INT64) {
    c.integer = true;
    if (in.integer) {
      c.ints = in.ints;
    } else {
      for (auto v : in.floats) {
        if (!std::isfinite(v) || std::abs(v) >= 9.2e18F) {
          throw ModelError("the value " + std::to_string(v) + " does not fit INT64");
        }
        c.ints.push_back(static_cast<I>(v));
      }
    }
  } else {
    const auto name = onnx::TensorProto_DataType_IsValid(static_cast<int>(to))
                          ? onnx::TensorProto_DataType_Name(static_cast<int>(to))
                          : std::to_string(to);
    throw ModelError("Cast to " + name +
                     " is not supported; lumen folds Cast of constants to FLOAT or INT64 only");
  }
  ctx.set_constant(std::move(c));
}

}  // namespace lumen::onnx_import
