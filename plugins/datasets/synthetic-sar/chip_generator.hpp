#pragma once
// Renders one synthetic SAR chip: the scene model is documented in docs/datasets.md.
#include <cstdint>
#include <lumen/tensor.hpp>
#include <vector>

namespace lumen::synthetic_sar {

struct ChipOptions {
  int size = 64;  ///< 64 or 128; a 128 chip is the same scene at twice the resolution
  int classes = 10;
  double looks = 4.0;  ///< L of the Gamma speckle (mean 1, variance 1/L)
  int channels = 1;    ///< 2 adds a VH-like cross-polarised channel
  double clutter = 0.05;
  double jitter = 6.0;  ///< maximum shift of the target's centre, in pixels of a 64 chip
  int distractors = 2;
  double dropout = 0.15;
  bool decibels = false;
};

/// Point spread of a scatterer: a Gaussian with this standard deviation, in pixels of a 64 chip.
inline constexpr double psf_sigma = 0.7;
/// The mask covers every visible scatterer out to this many PSF standard deviations.
inline constexpr double mask_radius_sigmas = 2.5;

struct Scatterer {
  double x = 0.0, y = 0.0;  ///< image coordinates, pixel (c, r) covering [c, c+1) x [r, r+1)
  double intensity = 0.0;   ///< peak intensity of the co-polarised channel
};

struct Chip {
  std::int64_t label = 0;
  Tensor image;         ///< [C,H,W] in [0,1]
  Tensor mask;          ///< [1,H,W] in {0,1}: the target's footprint and its scatterers
  Tensor shadow;        ///< [1,H,W] in {0,1}: the radar shadow behind it
  Tensor reflectivity;  ///< [C,H,W] intensity before speckle and normalisation
  std::vector<Scatterer> scatterers;  ///< the visible (not dropped) ones
};

/// Sample `index` of the stream of `seed`: its label is index % classes. A pure function.
Chip generate_chip(const ChipOptions& options, std::uint64_t seed, std::uint64_t index);

}  // namespace lumen::synthetic_sar
