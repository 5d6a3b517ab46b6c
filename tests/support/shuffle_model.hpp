#pragma once
// A ShuffleNet-v2-like model built with the core's layers: a channel split, a convolution on one
// half, the concatenation, the channel shuffle (Reshape, Transpose, Reshape) and a Gather of
// features (a repeated index included) before the classifier.
#include <cstdint>
#include <lumen/model.hpp>

namespace lumen::testing {

/// Input [4, 6, 6], 3 classes; weights from `seed`, biases only when `bias`.
Model shuffle_net(std::uint64_t seed, bool bias);

}  // namespace lumen::testing
