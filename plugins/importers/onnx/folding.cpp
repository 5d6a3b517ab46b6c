#include "folding.hpp"

#include <algorithm>
#include <optional>

#include "lumen/error.hpp"

namespace lumen::onnx_import {

namespace {

using I = std::int64_t;

I product(const Shape& shape, std::size_t begin, std::size_t end) {
  I p = 1;
  for (auto i = begin; i < end; ++i) p *= shape[i];
  return p;
}

template <typename T>
void append_block(std::vector<T>& out, const std::vector<T>& in, I offset, I count) {
  out.insert(out.end(), in.begin() + offset, in.begin() + offset + count);
}

// Calls visit(out_index, offsets) for every element of `shape` in row-major order, where
// offsets[k] is the element's offset in operand k, read with strides[k] (0 where it broadcasts).
template <typename F>
void for_each_index(const Shape& shape, const std::vector<std::vector<I>>& strides, F visit) {
  const auto rank = shape.size();
  std::vector<I> index(rank, 0);
  std::vector<I> offsets(strides.size(), 0);
  const auto count = element_count(shape);
  for (I o = 0; o < count; ++o) {
    visit(o, offsets);
    for (auto a = rank; a-- > 0;) {
      for (std::size_t k = 0; k < strides.size(); ++k) offsets[k] += strides[k][a];
      if (++index[a] < shape[a]) break;
      for (std::size_t k = 0; k < strides.size(); ++k) offsets[k] -= strides[k][a] * shape[a];
      index[a] = 0;
    }
  }
}

// Row-major strides of `shape` seen from `rank` trailing-aligned axes, 0 where a dimension is 1.
std::vector<I> broadcast_strides(const Shape& shape, std::size_t rank) {
  std::vector<I> strides(rank, 0);
  I stride = 1;
  for (std::size_t k = 0; k < shape.size(); ++k) {
    const auto d = shape[shape.size() - 1 - k];
    if (d != 1) strides[rank - 1 - k] = stride;
    stride *= d;
  }
  return strides;
}

template <typename T>
T apply(Arithmetic op, T a, T b) {
  switch (op) {
    case Arithmetic::add: return a + b;
    case Arithmetic::sub: return a - b;
    case Arithmetic::mul: return a * b;
    case Arithmetic::div: return a / b;
  }
  return a;
}

template <typename T>
std::vector<T> combine(const std::vector<T>& a, const std::vector<T>& b, const Shape& out,
                       const std::vector<std::vector<I>>& strides, Arithmetic op) {
  std::vector<T> values(static_cast<std::size_t>(element_count(out)));
  for_each_index(out, strides, [&](I o, const std::vector<I>& at) {
    values[static_cast<std::size_t>(o)] =
        apply(op, a[static_cast<std::size_t>(at[0])], b[static_cast<std::size_t>(at[1])]);
  });
  return values;
}

}  // namespace

Constant transpose_constant(const Constant& value, const std::vector<I>& perm) {
  const auto rank = value.shape.size();
  std::vector<bool> seen(rank, false);
  bool valid = perm.size() == rank;
  for (std::size_t i = 0; valid && i < rank; ++i) {
    valid =
        perm[i] >= 0 && perm[i] < static_cast<I>(rank) && !seen[static_cast<std::size_t>(perm[i])];
    if (valid) seen[static_cast<std::size_t>(perm[i])] = true;
  }
  if (!valid) {
    throw ModelError("perm " + to_string(Shape(perm)) + " is not a permutation of the axes of " +
                     to_string(value.shape));
  }
  const auto in_strides = broadcast_strides(value.shape, rank);
  Constant out;
  out.integer = value.integer;
  std::vector<I> strides(rank);
  for (std::size_t i = 0; i < rank; ++i) {
    const auto from = static_cast<std::size_t>(perm[i]);
    out.shape.push_back(value.shape[from]);
    strides[i] = in_strides[from];
  }
  const auto count = static_cast<std::size_t>(out.size());
  if (out.integer)
    out.ints.resize(count);
  else
    out.floats.resize(count);
  for_each_index(out.shape, {strides}, [&](I o, const std::vector<I>& at) {
    const auto from = static_cast<std::size_t>(at[0]), to = static_cast<std::size_t>(o);
    if (out.integer)
      out.ints[to] = value.ints[from];
    else
      out.floats[to] = value.floats[from];
  });
  return out;
}

Constant arithmetic_constants(const Constant& a, const Constant& b, Arithmetic op) {
  if (a.integer != b.integer) {
    throw ModelError("the constant inputs have different element types (" +
                     std::string(a.integer ? "integer" : "float") + " and " +
                     (b.integer ? "integer" : "float") + ")");
  }
  const auto rank = std::max(a.shape.size(), b.shape.size());
  Constant out;
  out.integer = a.integer;
  out.shape.assign(rank, 1);
  for (std::size_t k = 0; k < rank; ++k) {
    const auto da = k < a.shape.size() ? a.shape[a.shape.size() - 1 - k] : 1;
    const auto db = k < b.shape.size() ? b.shape[b.shape.size() - 1 - k] : 1;
    if (da != db && da != 1 && db != 1) {
      throw ModelError("constants of shapes " + to_string(a.shape) + " and " + to_string(b.shape) +
                       " do not broadcast together");
    }
    out.shape[rank - 1 - k] = da == 1 ? db : da;
  }
  const std::vector<std::vector<I>> strides{broadcast_strides(a.shape, rank),
                                            broadcast_strides(b.shape, rank)};
  if (out.integer) {
    const auto& divisor = b.concrete_ints();
    if (op == Arithmetic::div && std::find(divisor.begin(), divisor.end(), 0) != divisor.end()) {
      throw ModelError("the divisor holds a zero");
    }
    out.ints = combine(a.concrete_ints(), divisor, out.shape, strides, op);
  } else {
    out.floats = combine(a.floats, b.floats, out.shape, strides, op);
  }
  return out;
}

std::string format_dims(const std::vector<I>& dims) {
  std::string s = "[";
  for (std::size_t i = 0; i < dims.size(); ++i) {
    if (i) s += ',';
    s += dims[i] == batch_marker ? std::string("N") : std::to_string(dims[i]);
  }
  return s + "]";
}

Constant concat_constants(const std::vector<const Constant*>& parts, I axis) {
  if (parts.empty()) throw ModelError("Concat has no inputs");
  const auto& first = *parts.front();
  const auto rank = static_cast<I>(first.shape.size());
  const auto a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) {
    throw ModelError("axis " + std::to_string(axis) + " is out of range for constants of shape " +
                     to_string(first.shape));
  }
  const auto ua = static_cast<std::size_t>(a);
  Constant out;
  out.integer = first.integer;
  out.shape = first.shape;
  out.shape[ua] = 0;
  for (const auto* p : parts) {
    bool fits = p->integer == first.integer && p->shape.size() == first.shape.size();
    for (std::size_t d = 0; fits && d < first.shape.size(); ++d) {
      fits = d == ua || p->shape[d] == first.shape[d];
    }
    if (!fits) {
      throw ModelError("constant inputs of shapes " + to_string(first.shape) + " and " +
                       to_string(p->shape) + " cannot be concatenated along axis " +
                       std::to_string(a));
    }
    out.shape[ua] += p->shape[ua];
  }
  const auto outer = product(first.shape, 0, ua);
  const auto inner = product(first.shape, ua + 1, first.shape.size());
  for (I o = 0; o < outer; ++o) {
    for (const auto* p : parts) {
      const auto block = p->shape[ua] * inner;
      if (out.integer)
        append_block(out.ints, p->ints, o * block, block);
      else
        append_block(out.floats, p->floats, o * block, block);
    }
  }
  return out;
}

Constant reshape_constant(const Constant& value, const std::vector<I>& dims, bool allowzero) {
  const auto mismatch = [&] {
    return ModelError("a constant of shape " + to_string(value.shape) + " cannot be reshaped to " +
                      format_dims(dims));
  };
  Shape shape;
  std::optional<std::size_t> inferred;
  I known = 1;
  for (std::size_t i = 0; i < dims.size(); ++i) {
    auto d = dims[i];
    if (d == 0 && !allowzero) {
      if (i >= value.shape.size()) {
        throw ModelError("shape " + format_dims(dims) + " copies dimension " + std::to_string(i) +
                         ", which the constant of shape " + to_string(value.shape) + " lacks");
      }
      d = value.shape[i];
    }
    if (d == -1) {
      if (inferred) throw ModelError("shape " + format_dims(dims) + " has two -1 entries");
      inferred = i;
    } else if (d < 0) {
      throw ModelError("shape " + format_dims(dims) + " has the invalid entry " +
                       std::to_string(d));
    } else if (__builtin_mul_overflow(known, d, &known)) {
      throw mismatch();  // more elements than 2^63 - 1: more than the constant has
    }
    shape.push_back(d);
  }
  if (inferred) {
    if (known == 0 || value.size() % known != 0) throw mismatch();
    shape[*inferred] = value.size() / known;
  }
  if (element_count(shape) != value.size()) throw mismatch();
  Constant out = value;
  out.shape = std::move(shape);
  return out;
}

Constant gather_constant(const Constant& data, std::size_t axis, const std::vector<I>& indices,
                         const Shape& index_shape) {
  const auto outer = product(data.shape, 0, axis);
  const auto count = data.shape[axis];
  const auto inner = product(data.shape, axis + 1, data.shape.size());
  Constant c;
  c.integer = data.integer;
  c.shape.assign(data.shape.begin(), data.shape.begin() + static_cast<std::ptrdiff_t>(axis));
  c.shape.insert(c.shape.end(), index_shape.begin(), index_shape.end());
  c.shape.insert(c.shape.end(), data.shape.begin() + static_cast<std::ptrdiff_t>(axis) + 1,
                 data.shape.end());
  for (I o = 0; o < outer; ++o) {
    for (auto index : indices) {
      const auto offset = (o * count + index) * inner;
      if (c.integer)
        append_block(c.ints, data.ints, offset, inner);
      else
        append_block(c.floats, data.floats, offset, inner);
    }
  }
  return c;
}

}  // namespace lumen::onnx_import
