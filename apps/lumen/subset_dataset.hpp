#pragma once
// Some samples of another dataset, by index: a held-out split, the first N samples.
#include <cstdint>
#include <lumen/dataset.hpp>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

namespace lumen::cli {

/// Samples `indices` of `source`, in that order; `source` must outlive it.
class SubsetDataset final : public Dataset {
 public:
  SubsetDataset(const Dataset& source, std::vector<std::int64_t> indices)
      : source_(source), indices_(std::move(indices)) {}
  std::int64_t size() const override { return static_cast<std::int64_t>(indices_.size()); }
  std::vector<std::string> class_names() const override { return source_.class_names(); }
  Shape sample_shape() const override { return source_.sample_shape(); }
  bool has_masks() const override { return source_.has_masks(); }
  Sample get(std::int64_t i) const override {
    return source_.get(indices_.at(static_cast<std::size_t>(i)));
  }

 private:
  const Dataset& source_;
  std::vector<std::int64_t> indices_;
};

/// The first `count` samples of `source`.
inline SubsetDataset first_samples(const Dataset& source, std::int64_t count) {
  std::vector<std::int64_t> indices(static_cast<std::size_t>(count));
  std::iota(indices.begin(), indices.end(), 0);
  return {source, std::move(indices)};
}

}  // namespace lumen::cli
