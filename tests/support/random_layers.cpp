#include "random_layers.hpp"

#include <lumen/layers.hpp>

#include <cmath>

#include "gradcheck.hpp"

namespace lumen::testing {

std::shared_ptr<const Layer> uniform_conv(std::int64_t in, std::int64_t out, std::int64_t k,
                                          bool bias, std::uint64_t seed) {
  Conv2dParams p;
  p.weight = random_tensor({out, in, k, k}, seed, -1.0F, 1.0F);
  if (bias) p.bias = random_tensor({out}, seed + 1, -0.5F, 0.5F);
  p.pads = {k / 2, k / 2, k / 2, k / 2};
  return make_conv2d(std::move(p));
}

std::shared_ptr<const Layer> uniform_linear(std::int64_t in, std::int64_t out, bool bias,
                                            std::uint64_t seed) {
  std::optional<Tensor> b;
  if (bias) b = random_tensor({out}, seed + 1, -0.5F, 0.5F);
  return make_linear(random_tensor({out, in}, seed, -1.0F, 1.0F), std::move(b));
}

Tensor normal_tensor(const Shape& shape, float stddev, std::mt19937_64& rng) {
  std::normal_distribution<float> d(0.0F, stddev);
  Tensor t(shape);
  for (float& v : t.values()) v = d(rng);
  return t;
}

std::optional<Tensor> normal_bias(bool bias, std::int64_t size, float stddev,
                                  std::mt19937_64& rng) {
  if (!bias) return std::nullopt;
  return normal_tensor({size}, stddev, rng);
}

std::shared_ptr<const Layer> normal_conv(std::int64_t in, std::int64_t out, std::int64_t k,
                                         bool bias, float bias_stddev, std::mt19937_64& rng) {
  Conv2dParams p;
  p.weight = normal_tensor({out, in, k, k}, 1.0F / std::sqrt(static_cast<float>(in * k * k)), rng);
  p.bias = normal_bias(bias, out, bias_stddev, rng);
  p.pads = {k / 2, k / 2, k / 2, k / 2};
  return make_conv2d(std::move(p));
}

}  // namespace lumen::testing
