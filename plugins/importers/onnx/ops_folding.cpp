#include <algorithm>

#include "lumen/error.hpp"
#include "ops.hpp"

namespace lumen::onnx_import {

namespace {

using I = std::int64_t;

}  // namespace

Constant constant_node_value(const Attributes& a) {
  Constant c;
  if (a.has("value")) {
    c = read_tensor(a.get_tensor("value"), "attribute 'value'");
  } else if (a.has("value_float")) {
    c.floats = {a.get_float("value_float")};
  } else if (a.has("value_floats")) {
    c.floats = a.get_floats("value_floats");
    c.shape = {static_cast<I>(c.floats.size())};
  } else if (a.has("value_int")) {
    c.integer = true;
    c.ints = {a.get_int("value_int")};
  } else if (a.has("value_ints")) {
    c.integer = true;
    c.ints = a.get_ints("value_ints");
    c.shape = {static_cast<I>(c.ints.size())};
  } else {
    throw ModelError("lumen reads Constant nodes holding value, value_float(s) or value_int(s)");
  }
  return c;
}

void import_constant(NodeContext& ctx) { ctx.set_constant(constant_node_value(ctx.attributes())); }

void import_shape(NodeContext& ctx) {
  Shape dims;
  if (ctx.is_constant(0)) {
    dims = ctx.constant(0).shape;
  } else {
    const auto x = ctx.activation(0);
    dims = ctx.shape(x);
    dims[0] = ctx.static_batch().value_or(batch_marker);
  }
  const auto rank = static_cast<I>(dims.size());
  const auto clamp = [rank](I v) { return std::clamp(v < 0 ? v + rank : v, I{0}, rank); };
  const auto start = clamp(ctx.attributes().get_int("start", 0));
  const auto end = std::max(start, clamp(ctx.attributes().get_int("end", rank)));
  Constant c;
  c.integer = true;
  c.ints.assign(dims.begin() + start, dims.begin() + end);
  c.shape = {end - start};
  ctx.set_constant(std::move(c));
}

}  // namespace lumen::onnx_import
