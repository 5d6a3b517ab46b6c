// Slice, Split and Gather at constant positions: of an activation, axis-selection layers (Note
// [axis selection] in the core's layers/axis_selection.cpp); of a constant, folded.
#include <algorithm>
#include <numeric>
#include <optional>

#include "folding.hpp"
#include "lumen/axis_selection.hpp"
#include "lumen/error.hpp"
#include "lumen/layers.hpp"
#include "ops.hpp"

namespace lumen::onnx_import {

namespace {

using I = std::int64_t;

// The tensor a node reads its positions from: a graph node or a constant.
struct Data {
  std::optional<NodeId> node;
  const Constant* constant = nullptr;
  Shape shape;
};

Data data_of(const NodeContext& ctx) {
  if (ctx.is_constant(0)) {
    const auto& c = ctx.constant(0);
    return {std::nullopt, &c, c.shape};
  }
  const auto x = ctx.activation(0);
  return {x, nullptr, ctx.shape(x)};
}

// The axis in [0, rank); a computed tensor may not be selected from along its batch axis 0.
I data_axis(const Data& data, I axis) {
  const auto rank = static_cast<I>(data.shape.size());
  const auto resolved = axis < 0 ? axis + rank : axis;
  if (resolved < 0 || resolved >= rank) {
    throw ModelError("axis " + std::to_string(axis) + " is out of range for rank " +
                     std::to_string(rank));
  }
  if (resolved == 0 && data.node) {
    throw ModelError("axis " + std::to_string(axis) +
                     " is the batch axis; lumen cannot select samples of a batch");
  }
  return resolved;
}

// A 1-D integer input (starts, ends, axes, steps, split); `what` names it.
std::vector<I> integer_list(const NodeContext& ctx, int input, const std::string& what) {
  const auto& c = ctx.constant(input);
  if (!c.integer || c.shape.size() > 1) {
    throw ModelError(what + " must be a 1-D integer tensor; it has shape " + to_string(c.shape));
  }
  return c.concrete_ints();
}

std::vector<I> positions_from(I begin, I count) {
  std::vector<I> positions(static_cast<std::size_t>(count));
  std::iota(positions.begin(), positions.end(), begin);
  return positions;
}

// The positions start, start + step, ... before end of an axis of `size`, as ONNX Slice takes
// them: a negative start or end counts from the end; for step > 0 both are clamped to [0, size]
// (so an end of INT64_MAX means "to the end"), for step < 0 start to [0, size - 1] and end to
// [-1, size - 1] (so an end of INT64_MIN means "to the beginning", and the positions descend).
std::vector<I> slice_positions(I start, I end, I step, I size) {
  const auto resolve = [size](I v) { return v < 0 ? v + size : v; };
  std::vector<I> positions;
  if (step > 0) {
    const auto last = std::clamp(resolve(end), I{0}, size);
    for (I i = std::clamp(resolve(start), I{0}, size); i < last; i += step) {
      positions.push_back(i);
      if (step >= last - i) break;  // i + step would reach the end (or overflow)
    }
    return positions;
  }
  const auto last = std::clamp(resolve(end), I{-1}, size - 1);
  for (I i = std::clamp(resolve(start), I{0}, size - 1); i > last; i += step) {
    positions.push_back(i);
    if (step <= last - i) break;  // i + step would reach the end (or overflow)
  }
  return positions;
}

// Positions 0, 1, ..., size - 1: the whole axis in order.
bool whole_axis(const std::vector<I>& positions, I size) {
  if (static_cast<I>(positions.size()) != size) return false;
  for (I i = 0; i < size; ++i) {
    if (positions[static_cast<std::size_t>(i)] != i) return false;
  }
  return true;
}

struct SliceArguments {
  std::vector<I> starts, ends, axes, steps;
};

SliceArguments slice_arguments(const NodeContext& ctx) {
  SliceArguments s;
  if (ctx.opset() < 10) {
    const auto& a = ctx.attributes();
    s.starts = a.get_ints("starts");
    s.ends = a.get_ints("ends");
    s.axes = a.get_ints("axes", std::vector<I>{});
  } else {
    s.starts = integer_list(ctx, 1, "starts");
    s.ends = integer_list(ctx, 2, "ends");
    if (ctx.has_input(3)) s.axes = integer_list(ctx, 3, "axes");
    if (ctx.has_input(4)) s.steps = integer_list(ctx, 4, "steps");
  }
  if (s.axes.empty()) s.axes = positions_from(0, static_cast<I>(s.starts.size()));
  if (s.steps.empty()) s.steps.assign(s.starts.size(), 1);
  const auto n = s.starts.size();
  if (s.ends.size() != n || s.axes.size() != n || s.steps.size() != n) {
    throw ModelError("starts, ends, axes and steps have " + std::to_string(n) + ", " +
                     std::to_string(s.ends.size()) + ", " + std::to_string(s.axes.size()) +
                     " and " + std::to_string(s.steps.size()) + " entries; they must agree");
  }
  return s;
}

}  // namespace

void import_slice(NodeContext& ctx) {
  const auto data = data_of(ctx);
  const auto args = slice_arguments(ctx);
  std::vector<AxisSelection> selections;
  std::vector<bool> seen(data.shape.size(), false);
  for (std::size_t k = 0; k < args.axes.size(); ++k) {
    const auto axis = data_axis(data, args.axes[k]);
    if (seen[static_cast<std::size_t>(axis)]) {
      throw ModelError("axis " + std::to_string(args.axes[k]) + " is sliced twice");
    }
    seen[static_cast<std::size_t>(axis)] = true;
    if (args.steps[k] == 0) {
      throw ModelError("step 0 on axis " + std::to_string(args.axes[k]) +
                       "; ONNX Slice steps must not be 0");
    }
    const auto size = data.shape[static_cast<std::size_t>(axis)];
    auto positions = slice_positions(args.starts[k], args.ends[k], args.steps[k], size);
    if (positions.empty()) {
      throw ModelError("starts " + std::to_string(args.starts[k]) + ", ends " +
                       std::to_string(args.ends[k]) + ", step " + std::to_string(args.steps[k]) +
                       " select nothing of axis " + std::to_string(args.axes[k]) + " (size " +
                       std::to_string(size) + ")");
    }
    if (whole_axis(positions, size)) continue;
    selections.push_back({axis, std::move(positions), false});
  }
  if (data.constant) {
    Constant c = *data.constant;
    for (const auto& s : selections) {
      const auto count = static_cast<I>(s.indices.size());
      c = gather_constant(c, static_cast<std::size_t>(s.axis), s.indices, {count});
    }
    ctx.set_constant(std::move(c));
    return;
  }
  if (selections.empty()) {
    ctx.alias_input(0);  // the whole tensor: no node
    return;
  }
  auto x = *data.node;
  for (std::size_t i = 0; i + 1 < selections.size(); ++i) {
    x = ctx.add_step(make_axis_selection("Slice", selections[i]), {x},
                     "axis" + std::to_string(selections[i].axis));
  }
  ctx.add_layer(make_axis_selection("Slice", selections.back()), {x});
}

void import_split(NodeContext& ctx) {
  const auto data = data_of(ctx);
  const auto axis = data_axis(data, ctx.attributes().get_int("axis", 0));
  const auto size = data.shape[static_cast<std::size_t>(axis)];
  const auto outputs = ctx.proto().output_size();
  std::vector<I> sizes;
  if (ctx.opset() < 13) {
    sizes = ctx.attributes().get_ints("split", std::vector<I>{});
  } else if (ctx.has_input(1)) {
    sizes = integer_list(ctx, 1, "split");
  }
  if (sizes.empty()) {
    if (size % outputs != 0) {
      throw ModelError("axis " + std::to_string(axis) + " of size " + std::to_string(size) +
                       " cannot be split equally into " + std::to_string(outputs) + " outputs");
    }
    sizes.assign(static_cast<std::size_t>(outputs), size / outputs);
  }
  const auto total = std::accumulate(sizes.begin(), sizes.end(), I{0});
  const bool negative = std::any_of(sizes.begin(), sizes.end(), [](I s) { return s < 0; });
  if (static_cast<I>(sizes.size()) != outputs || total != size || negative) {
    throw ModelError("split " + to_string(Shape(sizes)) + " does not divide axis " +
                     std::to_string(axis) + " of size " + std::to_string(size) + " into " +
                     std::to_string(outputs) + " outputs");
  }
  I offset = 0;
  for (int o = 0; o < outputs; ++o) {
    const auto count = sizes[static_cast<std::size_t>(o)];
    auto positions = positions_from(offset, count);
    offset += count;
    if (!ctx.output_used(o)) continue;
    if (positions.empty()) {
      throw ModelError("output " + std::to_string(o) + " ('" + ctx.proto().output(o) +
                       "') is empty but used");
    }
    if (data.constant) {
      ctx.set_constant(
          gather_constant(*data.constant, static_cast<std::size_t>(axis), positions, {count}), o);
    } else {
      ctx.add_output_layer(o, make_axis_selection("Split", {axis, std::move(positions), false}),
                           {*data.node});
    }
  }
}

void import_gather(NodeContext& ctx) {
  const auto& index_constant = ctx.constant(1);
  if (!index_constant.integer) throw ModelError("the indices must be an integer tensor");
  const auto data = data_of(ctx);
  if (data.shape.empty()) throw ModelError("Gather on a scalar");
  const auto axis = data_axis(data, ctx.attributes().get_int("axis", 0));
  const auto count = data.shape[static_cast<std::size_t>(axis)];
  std::vector<I> indices = index_constant.concrete_ints();
  for (auto& i : indices) {
    if (i < -count || i >= count) {
      throw ModelError("index " + std::to_string(i) + " is out of range for a dimension of " +
                       std::to_string(count));
    }
    if (i < 0) i += count;
  }
  const auto& index_shape = index_constant.shape;
  if (data.constant) {
    ctx.set_constant(
        gather_constant(*data.constant, static_cast<std::size_t>(axis), indices, index_shape));
    return;
  }
  if (index_shape.size() <= 1) {
    ctx.add_layer(make_axis_selection("Gather", {axis, std::move(indices), index_shape.empty()}),
                  {*data.node});
    return;
  }
  // Indices of rank > 1: select with them flattened, then reshape each sample.
  const auto x = ctx.add_step(make_axis_selection("Gather", {axis, std::move(indices), false}),
                              {*data.node}, "gather");
  const auto at = data.shape.begin() + static_cast<std::ptrdiff_t>(axis);
  Shape sample(data.shape.begin() + 1, at);
  sample.insert(sample.end(), index_shape.begin(), index_shape.end());
  sample.insert(sample.end(), at + 1, data.shape.end());
  ctx.add_layer(make_reshape(std::move(sample)), {x});
}

}  // namespace lumen::onnx_import
