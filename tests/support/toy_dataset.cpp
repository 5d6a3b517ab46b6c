#include "toy_dataset.hpp"

#include <random>

namespace lumen::testing {

ToyDataset::ToyDataset(Shape sample_shape, std::int64_t classes, std::vector<Sample> samples)
    : shape_(std::move(sample_shape)), classes_(classes), samples_(std::move(samples)) {}

std::vector<std::string> ToyDataset::class_names() const {
  std::vector<std::string> names;
  for (std::int64_t c = 0; c < classes_; ++c) names.push_back("class" + std::to_string(c));
  return names;
}

Sample ToyDataset::get(std::int64_t index) const {
  return samples_.at(static_cast<std::size_t>(index));
}

ToyDataset separable(std::int64_t classes, std::int64_t per_class, std::int64_t size,
                     std::uint64_t seed, std::int64_t channels) {
  std::mt19937_64 engine(seed);
  std::uniform_real_distribution<float> noise(0.0F, 0.3F);
  std::vector<Sample> samples;
  for (std::int64_t i = 0; i < per_class; ++i) {
    for (std::int64_t c = 0; c < classes; ++c) {
      Sample s;
      s.image = Tensor({channels, size, size});
      for (auto& v : s.image.values()) v = noise(engine);
      // Class c lights the pixels of rows (c * size / classes) onwards in its own column band.
      for (std::int64_t ch = 0; ch < channels; ++ch) {
        for (std::int64_t y = 0; y < size; ++y) {
          for (std::int64_t x = 0; x < size; ++x) {
            if ((x * classes) / size == c && y % 2 == 0)
              s.image[(ch * size + y) * size + x] += 0.7F;
          }
        }
      }
      s.label = c;
      s.id = "toy#" + std::to_string(samples.size());
      samples.push_back(std::move(s));
    }
  }
  return ToyDataset({channels, size, size}, classes, std::move(samples));
}

}  // namespace lumen::testing
