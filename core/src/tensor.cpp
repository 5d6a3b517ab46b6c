#include "lumen/tensor.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "lumen/error.hpp"

namespace lumen {

std::int64_t element_count(const Shape& shape) {
  std::int64_t n = 1;
  for (auto d : shape) {
    if (d < 0) throw ShapeError("negative dimension in shape " + to_string(shape));
    // Shapes come from files: [2^32, 2^32] must not wrap to 0 and pass a size check.
    if (__builtin_mul_overflow(n, d, &n)) {
      throw ShapeError("shape " + to_string(shape) + " has more elements than 2^63 - 1");
    }
  }
  return n;
}

std::string to_string(const Shape& shape) {
  std::ostringstream out;
  out << '[';
  for (std::size_t i = 0; i < shape.size(); ++i) out << (i ? "," : "") << shape[i];
  out << ']';
  return out.str();
}

Tensor::Tensor(Shape shape, float fill)
    : shape_(std::move(shape)), values_(static_cast<std::size_t>(element_count(shape_)), fill) {}

Tensor::Tensor(Shape shape, const std::vector<float>& values)
    : shape_(std::move(shape)), values_(values.begin(), values.end()) {
  if (static_cast<std::int64_t>(values_.size()) != element_count(shape_)) {
    throw ShapeError("tensor of shape " + to_string(shape_) + " needs " +
                     std::to_string(element_count(shape_)) + " values, got " +
                     std::to_string(values_.size()));
  }
}

std::int64_t Tensor::dim(std::int64_t axis) const {
  const auto r = rank();
  const auto a = axis < 0 ? axis + r : axis;
  if (a < 0 || a >= r) {
    throw ShapeError("axis " + std::to_string(axis) + " out of range for shape " +
                     to_string(shape_));
  }
  return shape_[static_cast<std::size_t>(a)];
}

Tensor Tensor::uninitialised(Shape shape) {
  Tensor t;
  t.values_.resize(static_cast<std::size_t>(element_count(shape)));
  t.shape_ = std::move(shape);
  return t;
}

Tensor Tensor::reshaped(Shape shape) const {
  if (element_count(shape) != size()) {
    throw ShapeError("cannot reshape " + to_string(shape_) + " to " + to_string(shape));
  }
  Tensor t;
  t.shape_ = std::move(shape);
  t.values_ = values_;
  return t;
}

Tensor Tensor::batch_slice(std::int64_t first, std::int64_t count) const {
  if (rank() == 0 || first < 0 || count < 0 || first + count > shape_[0]) {
    throw ShapeError("batch slice [" + std::to_string(first) + ", " +
                     std::to_string(first + count) + ") out of range for shape " +
                     to_string(shape_));
  }
  const std::int64_t stride = shape_[0] ? size() / shape_[0] : 0;
  Shape s = shape_;
  s[0] = count;
  Tensor t = uninitialised(std::move(s));
  std::copy(values_.begin() + first * stride, values_.begin() + (first + count) * stride,
            t.values_.begin());
  return t;
}

Tensor Tensor::concat_batch(std::span<const Tensor> parts) {
  if (parts.empty()) throw ShapeError("concat_batch of no tensors");
  Shape s = parts[0].shape();
  if (s.empty()) throw ShapeError("concat_batch of scalars");
  std::int64_t n = 0;
  for (const auto& p : parts) {
    if (p.rank() != static_cast<std::int64_t>(s.size()) ||
        !std::equal(s.begin() + 1, s.end(), p.shape().begin() + 1)) {
      throw ShapeError("concat_batch: shape " + to_string(p.shape()) + " does not match " +
                       to_string(parts[0].shape()));
    }
    n += p.shape()[0];
  }
  s[0] = n;
  Tensor t = uninitialised(std::move(s));
  auto out = t.values_.begin();
  for (const auto& p : parts) out = std::copy(p.values().begin(), p.values().end(), out);
  return t;
}

bool all_finite(const Tensor& t) {
  for (float v : t.values()) {
    if (!std::isfinite(v)) return false;
  }
  return true;
}

}  // namespace lumen
