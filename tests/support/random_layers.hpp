#pragma once
// Seeded random layers for the small models the tests build from core layers.
#include <lumen/layer.hpp>
#include <lumen/tensor.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <random>

namespace lumen::testing {

/// A convolution with "same" padding (odd k): weights uniform in [-1, 1] drawn from `seed`, bias
/// (when `bias`) uniform in [-0.5, 0.5] from seed + 1.
std::shared_ptr<const Layer> uniform_conv(std::int64_t in, std::int64_t out, std::int64_t k,
                                          bool bias, std::uint64_t seed);
/// A dense layer [out, in] drawn the same way.
std::shared_ptr<const Layer> uniform_linear(std::int64_t in, std::int64_t out, bool bias,
                                            std::uint64_t seed);

/// Values drawn from N(0, stddev²), in order, from `rng`.
Tensor normal_tensor(const Shape& shape, float stddev, std::mt19937_64& rng);
/// normal_tensor({size}, stddev, rng) when `bias`, else nothing drawn.
std::optional<Tensor> normal_bias(bool bias, std::int64_t size, float stddev, std::mt19937_64& rng);
/// A convolution with "same" padding (odd k): weights N(0, 1 / (in k²)), then the bias as
/// normal_bias(bias, out, bias_stddev, rng).
std::shared_ptr<const Layer> normal_conv(std::int64_t in, std::int64_t out, std::int64_t k,
                                         bool bias, float bias_stddev, std::mt19937_64& rng);

}  // namespace lumen::testing
