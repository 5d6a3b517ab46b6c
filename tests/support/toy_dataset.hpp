#pragma once
// An in-memory Dataset for tests (training, masked retraining), and a separable toy problem.
#include <cstdint>
#include <string>
#include <vector>

#include "lumen/dataset.hpp"

namespace lumen::testing {

class ToyDataset final : public Dataset {
 public:
  ToyDataset(Shape sample_shape, std::int64_t classes, std::vector<Sample> samples);
  std::int64_t size() const override { return static_cast<std::int64_t>(samples_.size()); }
  std::vector<std::string> class_names() const override;
  Shape sample_shape() const override { return shape_; }
  bool has_masks() const override { return false; }
  Sample get(std::int64_t index) const override;

 private:
  Shape shape_;
  std::int64_t classes_;
  std::vector<Sample> samples_;
};

/// `per_class` images [channels, size, size] of each of `classes` classes: class c lights a
/// distinct block of pixels over uniform noise in [0, 0.3), so the classes are separable.
ToyDataset separable(std::int64_t classes, std::int64_t per_class, std::int64_t size,
                     std::uint64_t seed, std::int64_t channels = 1);

}  // namespace lumen::testing
