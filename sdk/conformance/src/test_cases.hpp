#pragma once
// The material checks run on: the three test models under a name, seeded inputs and targets.
#include <cstdint>
#include <string>
#include <vector>

#include "lumen/model.hpp"

namespace lumen::conformance::detail {

struct TestModel {
  std::string name;  ///< "conv", "residual", "dense"
  Model model;
};

/// The conv, residual and dense test models (seeded); `bias` false makes them bias-free.
std::vector<TestModel> test_models(bool bias);

/// A batch of n inputs for `model`, uniform in [-1, 1), seeded.
Tensor sample_input(const Model& model, std::int64_t n, std::uint64_t seed);
/// n targets cycling through the classes from a seed-dependent start, so samples differ.
std::vector<std::int64_t> sample_targets(const Model& model, std::int64_t n, std::uint64_t seed);

/// Whether the model has a spatial layer for layer-space methods (default_spatial_layer).
bool has_spatial_layer(const Model& model);
/// The first node after the input with a spatial output [N,C,h,w], h*w > 1 (the conv model's
/// conv1). Call only when has_spatial_layer.
NodeId first_spatial_layer(const Model& model);

}  // namespace lumen::conformance::detail
