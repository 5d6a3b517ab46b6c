#include "lumen/noise.hpp"

#include <algorithm>
#include <random>

namespace lumen {

Tensor noisy_copies(const Tensor& x, std::int64_t first, std::int64_t count, double noise_level,
                    const Context& context) {
  const auto [lo, hi] = std::minmax_element(x.values().begin(), x.values().end());
  const double sigma = noise_level * (static_cast<double>(*hi) - *lo);
  Shape shape = x.shape();
  shape[0] = count;
  Tensor out(shape);
  const std::int64_t per = x.size();
  for (std::int64_t k = 0; k < count; ++k) {
    auto rng = context.rng(0, static_cast<std::uint64_t>(first + k));
    std::normal_distribution<double> normal(0.0, 1.0);
    for (std::int64_t i = 0; i < per; ++i) {
      out[k * per + i] = static_cast<float>(x[i] + sigma * normal(rng));
    }
  }
  return out;
}

namespace param {

ParamSpec noise_level() {
  return real("noise_level", 0.15,
              "noise standard deviation as a fraction of each sample's value range (max x - min x)")
      .within(0.0, 100.0);
}

}  // namespace param

}  // namespace lumen
