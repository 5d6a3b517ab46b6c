#include <algorithm>

#include "lumen/error.hpp"
#include "ops.hpp"

namespace lumen::onnx_import {

namespace {

using I = std::int64_t;

I resolve_axis(I axis, I rank, const std::string& what) {
  const auto a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) {
    throw ModelError(what + " " + std::to_string(axis) + " is out of range for rank " +
                     std::to_string(rank));
  }
  return a;
}

template <typename T>
std::vector<T> gather(const std::vector<T>& data, I outer, I count, I inner,
                      const std::vector<I>& indices) {
  std::vector<T> out;
  out.reserve(static_cast<std::size_t>(outer * inner) * indices.size());
  for (I o = 0; o < outer; ++o) {
    for (auto index : indices) {
      const auto begin = data.begin() + (o * count + index) * inner;
      out.insert(out.end(), begin, begin + inner);
    }
  }
  return out;
}

}  // namespace

void import_constant(NodeContext& ctx) {
  const auto& a = ctx.attributes();
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
  ctx.set_constant(std::move(c));
}

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

void import_gather(NodeContext& ctx) {
  const auto& data = ctx.constant(0);
  const auto& index_constant = ctx.constant(1);
  if (!index_constant.integer) throw ModelError("the indices must be an integer tensor");
  const auto rank = static_cast<I>(data.shape.size());
  if (rank == 0) throw ModelError("Gather on a scalar");
  const auto axis =
      static_cast<std::size_t>(resolve_axis(ctx.attributes().get_int("axis", 0), rank, "axis"));
  const auto count = data.shape[axis];
  std::vector<I> indices = index_constant.concrete_ints();
  for (auto& i : indices) {
    if (i < -count || i >= count) {
      throw ModelError("index " + std::to_string(i) + " is out of range for a dimension of " +
                       std::to_string(count));
    }
    if (i < 0) i += count;
  }
  I outer = 1, inner = 1;
  for (std::size_t d = 0; d < axis; ++d) outer *= data.shape[d];
  for (std::size_t d = axis + 1; d < data.shape.size(); ++d) inner *= data.shape[d];
  Constant c;
  c.integer = data.integer;
  c.shape.assign(data.shape.begin(), data.shape.begin() + static_cast<std::ptrdiff_t>(axis));
  c.shape.insert(c.shape.end(), index_constant.shape.begin(), index_constant.shape.end());
  c.shape.insert(c.shape.end(), data.shape.begin() + static_cast<std::ptrdiff_t>(axis) + 1,
                 data.shape.end());
  if (c.integer)
    c.ints = gather(data.ints, outer, count, inner, indices);
  else
    c.floats = gather(data.floats, outer, count, inner, indices);
  ctx.set_constant(std::move(c));
}

}  // namespace lumen::onnx_import
