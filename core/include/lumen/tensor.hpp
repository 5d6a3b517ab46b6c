#pragma once
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "lumen/export.hpp"

namespace lumen {

/// A tensor shape: dimension sizes, outermost first (NCHW for images).
using Shape = std::vector<std::int64_t>;

/// Number of elements of a shape (1 for the empty shape).
LUMEN_API std::int64_t element_count(const Shape& shape);
/// "[1,3,32,32]".
LUMEN_API std::string to_string(const Shape& shape);

/// Dense float32 tensor, contiguous and row-major, with value semantics.
/// Not synchronised: concurrent reads are safe, concurrent writes are not.
class LUMEN_API Tensor {
 public:
  Tensor() = default;
  /// A tensor of `shape` filled with `fill`.
  explicit Tensor(Shape shape, float fill = 0.0F);
  /// A tensor of `shape` holding `values` (their count must match the shape).
  Tensor(Shape shape, const std::vector<float>& values);
  /// A tensor of `shape` whose values are left uninitialised, for an output that is overwritten
  /// entirely before it is read (filling it first costs a pass over memory).
  static Tensor uninitialised(Shape shape);

  const Shape& shape() const { return shape_; }
  std::int64_t rank() const { return static_cast<std::int64_t>(shape_.size()); }
  /// Size of dimension `axis`; negative axes count from the end.
  std::int64_t dim(std::int64_t axis) const;
  std::int64_t size() const { return static_cast<std::int64_t>(values_.size()); }
  bool empty() const { return values_.empty(); }

  float* data() { return values_.data(); }
  const float* data() const { return values_.data(); }
  std::span<float> values() { return values_; }
  std::span<const float> values() const { return values_; }
  float& operator[](std::int64_t i) { return values_[static_cast<std::size_t>(i)]; }
  float operator[](std::int64_t i) const { return values_[static_cast<std::size_t>(i)]; }

  /// The same values under another shape with the same element count.
  Tensor reshaped(Shape shape) const;
  /// Samples [first, first + count) along the outermost (batch) dimension.
  Tensor batch_slice(std::int64_t first, std::int64_t count = 1) const;
  /// Concatenation along the outermost dimension; all parts must agree on the other dimensions.
  static Tensor concat_batch(std::span<const Tensor> parts);

 private:
  /// std::allocator, except that value-initialisation (vector(n), resize(n)) leaves the elements
  /// as they are: uninitialised() skips filling memory a kernel is about to overwrite.
  template <class T>
  struct UninitialisedAllocator : std::allocator<T> {
    using value_type = T;
    template <class U>
    struct rebind {
      using other = UninitialisedAllocator<U>;
    };
    UninitialisedAllocator() noexcept = default;
    template <class U>
    UninitialisedAllocator(const UninitialisedAllocator<U>&) noexcept {}
    template <class U>
    void construct(U* p) noexcept {
      ::new (static_cast<void*>(p)) U;
    }
    template <class U, class... Args>
    void construct(U* p, Args&&... args) {
      ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
    }
    template <class U>
    bool operator==(const UninitialisedAllocator<U>&) const noexcept {
      return true;
    }
  };

  Shape shape_;
  std::vector<float, UninitialisedAllocator<float>> values_;
};

/// True when every value is finite.
LUMEN_API bool all_finite(const Tensor& t);

}  // namespace lumen
