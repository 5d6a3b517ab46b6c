#include <algorithm>

#include "folding.hpp"
#include "lumen/error.hpp"
#include "lumen/layers.hpp"
#include "nhwc.hpp"
#include "ops.hpp"

namespace lumen::onnx_import {

namespace {

using I = std::int64_t;

// The per-sample shape of an ONNX Reshape target, following the rule in docs/importers/onnx.md:
// the first entry must keep the batch (0, the folded batch size, the export batch size, or -1 when
// the rest keeps each sample's element count).
Shape sample_target(const NodeContext& ctx, NodeId x, const std::vector<I>& dims) {
  if (dims.empty()) throw ModelError("the target shape [] would drop the batch axis");
  Shape rest(dims.begin() + 1, dims.end());
  if (std::find(rest.begin(), rest.end(), batch_marker) != rest.end()) {
    throw ModelError("the target shape " + format_dims(dims) +
                     " uses the batch size after its first entry, which would mix samples");
  }
  const auto first = dims.front();
  const auto batch = ctx.static_batch();
  if (first == 0 || first == batch_marker || (batch && first == *batch)) return rest;
  if (first != -1) {
    throw ModelError("the target shape " + format_dims(dims) + " starts with " +
                     std::to_string(first) +
                     "; lumen reshapes each sample, so the first entry "
                     "must be 0, -1, x.size(0) or the export batch size" +
                     (batch ? " (" + std::to_string(*batch) + ")" : std::string{}));
  }
  const auto& in = ctx.shape(x);
  I per_sample = 1;
  for (std::size_t i = 0; i < rest.size(); ++i) {
    auto d = rest[i];
    if (d == 0 && i + 1 < in.size()) d = in[i + 1];
    if (d < 0) {
      throw ModelError("the target shape " + format_dims(dims) +
                       " infers both the batch and another dimension");
    }
    if (__builtin_mul_overflow(per_sample, d, &per_sample)) {
      throw ModelError("the target shape " + format_dims(dims) +
                       " has more than 2^63 - 1 elements");
    }
  }
  if (per_sample != element_count(in) / in[0]) {
    throw ModelError("the target shape " + format_dims(dims) +
                     " with an inferred first entry "
                     "changes the batch size of input " +
                     to_string(in) + "; lumen reshapes each sample");
  }
  return rest;
}

PadMode pad_mode(const std::string& mode) {
  if (mode == "reflect") return PadMode::reflect;
  if (mode == "edge") return PadMode::edge;
  return PadMode::constant;
}

}  // namespace

void import_flatten(NodeContext& ctx) {
  ctx.add_layer(make_flatten(ctx.attributes().get_int("axis", 1)), {ctx.activation(0)});
}

void import_reshape(NodeContext& ctx) {
  const bool allowzero = ctx.attributes().get_flag("allowzero", false);
  const auto& target = ctx.constant(1);
  if (!target.integer || target.shape.size() != 1) {
    throw ModelError("the shape input must be a 1-D integer tensor; it has shape " +
                     to_string(target.shape));
  }
  if (ctx.is_constant(0)) {
    ctx.set_constant(reshape_constant(ctx.constant(0), target.concrete_ints(), allowzero));
    return;
  }
  if (ctx.is_nhwc_view(0)) {
    // Note [NHWC views]: only an [N, H, W, 1] tensor reshaped to [N, 1, H, W] reaches here, and
    // that is the NCHW data itself.
    const auto source = ctx.view_source(0);
    if (allowzero ||
        !reshapes_to_nchw(target.concrete_ints(), nhwc_of(ctx.shape(source)), ctx.static_batch())) {
      throw ModelError("the target shape " + format_dims(target.ints) +
                       " reshapes an NHWC tensor in a way lumen cannot follow");
    }
    ctx.alias_view_source(0);
    return;
  }
  if (allowzero && std::find(target.ints.begin(), target.ints.end(), 0) != target.ints.end()) {
    throw ModelError("allowzero=1 with a 0 in the target shape " + format_dims(target.ints) +
                     " is not supported");
  }
  const auto x = ctx.activation(0);
  ctx.add_layer(make_reshape(sample_target(ctx, x, target.ints)), {x});
}

void import_concat(NodeContext& ctx) {
  const auto axis = ctx.attributes().get_int("axis");
  bool all_constant = true;
  for (int i = 0; i < ctx.input_count(); ++i) all_constant = all_constant && ctx.is_constant(i);
  if (all_constant) {
    std::vector<const Constant*> parts;
    for (int i = 0; i < ctx.input_count(); ++i) parts.push_back(&ctx.constant(i));
    ctx.set_constant(concat_constants(parts, axis));
    return;
  }
  std::vector<NodeId> inputs;
  for (int i = 0; i < ctx.input_count(); ++i) inputs.push_back(ctx.activation(i));
  const auto rank = static_cast<I>(ctx.shape(inputs.front()).size());
  const auto resolved = axis < 0 ? axis + rank : axis;
  if (resolved < 0 || resolved >= rank) {
    throw ModelError("axis " + std::to_string(axis) + " is out of range for input " +
                     to_string(ctx.shape(inputs.front())));
  }
  ctx.add_layer(make_concat(resolved), std::move(inputs));
}

void import_pad(NodeContext& ctx) {
  const auto& a = ctx.attributes();
  const auto mode = pad_mode(a.get_choice("mode", "constant", {"constant", "reflect", "edge"}));
  std::vector<I> pads;
  float value = 0.0F;
  if (ctx.opset() < 11) {
    pads = a.get_ints("pads");
    value = a.get_float("value", 0.0F);
  } else {
    pads = ctx.constant(1).concrete_ints();
    if (ctx.has_input(2)) {
      const auto& v = ctx.constant(2);
      if (v.integer || v.size() != 1) {
        throw ModelError("constant_value must be one float; it has shape " + to_string(v.shape));
      }
      value = v.floats.front();
    }
  }
  ctx.add_layer(make_pad(std::move(pads), mode, value), {ctx.activation(0)});
}

}  // namespace lumen::onnx_import
