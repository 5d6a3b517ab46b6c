#pragma once
// From an MSTAR magnitude image to a network input: centre crop, bilinear resize, then the
// magnitude scale and the per-chip normalisation (documented in docs/datasets.md).
#include <cstdint>
#include <lumen/tensor.hpp>
#include <span>

namespace lumen::mstar {

struct Preparation {
  std::int64_t size = 64;  ///< output height and width
  std::int64_t crop = 0;   ///< centre square cut first; 0: `size`. Limited to the chip
  bool decibels = true;
  enum class Normalise { chip_max, none, standardise } normalise = Normalise::chip_max;
  double db_range = 40.0;  ///< chip-max in dB: [max - db_range, max] mapped to [0,1]
};

/// [1,size,size] from a rows x columns row-major magnitude image.
Tensor prepare_chip(std::span<const float> magnitude, std::int64_t rows, std::int64_t columns,
                    const Preparation& preparation);

}  // namespace lumen::mstar
