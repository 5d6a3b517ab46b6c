#include "lumen/training/trainer.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <string>

#include "fit.hpp"
#include "lumen/error.hpp"

namespace lumen::training {

TrainResult train(const Model& start, const Dataset& data, const TrainOptions& options,
                  Context& context) {
  return detail::fit(start, data, options, detail::cross_entropy_objective(start), context);
}

Evaluation evaluate(const Model& model, const Dataset& data, std::span<const std::int64_t> indices,
                    Context& context, std::int64_t batch_size) {
  if (batch_size < 1) {
    throw InvalidArgument("evaluate: batch_size " + std::to_string(batch_size) + " must be >= 1");
  }
  return detail::evaluate_objective(model, data, indices, detail::cross_entropy_objective(model),
                                    context, batch_size);
}

void shuffle(std::vector<std::int64_t>& values, std::uint64_t seed) {
  std::mt19937_64 engine(seed);
  for (auto i = values.size(); i > 1; --i) {
    std::swap(values[i - 1], values[engine() % i]);
  }
}

Split split_indices(std::int64_t size, double fraction, std::uint64_t seed) {
  if (size < 0 || !(fraction >= 0.0 && fraction < 1.0)) {
    throw InvalidArgument("split_indices: size " + std::to_string(size) + " and fraction " +
                          std::to_string(fraction) + " (must be in [0, 1))");
  }
  std::vector<std::int64_t> all(static_cast<std::size_t>(size));
  std::iota(all.begin(), all.end(), 0);
  shuffle(all, seed ^ 0x5DEECE66DULL);
  const auto held = static_cast<std::size_t>(std::llround(static_cast<double>(size) * fraction));
  Split s;
  s.validation.assign(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(held));
  s.train.assign(all.begin() + static_cast<std::ptrdiff_t>(held), all.end());
  return s;
}

std::pair<std::vector<float>, std::vector<float>> channel_statistics(
    const Dataset& data, std::span<const std::int64_t> indices) {
  const auto channels = static_cast<std::size_t>(data.sample_shape()[0]);
  std::vector<double> sum(channels), square(channels);
  std::int64_t per_channel = 0;
  for (std::size_t k = 0; k < std::min<std::size_t>(indices.size(), 512); ++k) {
    const Tensor image = data.get(indices[k]).image;
    const auto plane = image.size() / static_cast<std::int64_t>(channels);
    for (std::int64_t i = 0; i < image.size(); ++i) {
      const auto c = static_cast<std::size_t>(i / plane);
      sum[c] += image[i];
      square[c] += static_cast<double>(image[i]) * image[i];
    }
    per_channel += plane;
  }
  std::vector<float> mean(channels), sd(channels);
  for (std::size_t c = 0; c < channels; ++c) {
    const double m = sum[c] / static_cast<double>(per_channel);
    const double variance = square[c] / static_cast<double>(per_channel) - m * m;
    mean[c] = static_cast<float>(m);
    sd[c] = static_cast<float>(std::sqrt(std::max(variance, 1e-12)));
  }
  return {mean, sd};
}

std::pair<std::vector<float>, std::vector<float>> channel_statistics(const Dataset& data) {
  std::vector<std::int64_t> all(static_cast<std::size_t>(data.size()));
  std::iota(all.begin(), all.end(), 0);
  return channel_statistics(data, all);
}

}  // namespace lumen::training
