#include "folding.hpp"

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

}  // namespace

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
    } else {
      known *= d;
    }
    shape.push_back(d);
  }
  const auto mismatch = [&] {
    return ModelError("a constant of shape " + to_string(value.shape) + " cannot be reshaped to " +
                      format_dims(dims));
  };
  if (inferred) {
    if (known == 0 || value.size() % known != 0) throw mismatch();
    shape[*inferred] = value.size() / known;
  }
  if (element_count(shape) != value.size()) throw mismatch();
  Constant out = value;
  out.shape = std::move(shape);
  return out;
}

}  // namespace lumen::onnx_import
