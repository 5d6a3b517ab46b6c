#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "lumen/backend.hpp"
#include "lumen/layer.hpp"
#include "lumen/tensor.hpp"

namespace lumen::testing {

/// Uniform values in [low, high), reproducible from the seed.
Tensor random_tensor(Shape shape, std::uint64_t seed, float low = -1.0F, float high = 1.0F);
/// Random values whose magnitudes are at least `gap` (steers clear of kinks at zero).
Tensor random_away_from_zero(Shape shape, std::uint64_t seed, float gap = 0.1F);
/// A random permutation of {k * spacing}, shifted to be centred on zero: all values differ by at
/// least `spacing`, so small perturbations never change which one is the largest.
Tensor random_distinct_tensor(Shape shape, std::uint64_t seed, float spacing = 0.05F);
/// layer.forward of these inputs without state.
Tensor forward_of(const Layer& layer, const std::vector<Tensor>& inputs, const Backend& backend);
/// sum(a * b) in double; the shapes must have equal element counts.
double dot(const Tensor& a, const Tensor& b);
/// Largest |a - b| over all elements; the element counts must match.
double max_abs_difference(const Tensor& a, const Tensor& b);

struct GradcheckOptions {
  float step = 1e-2F;       ///< central-difference step
  double tolerance = 2e-3;  ///< allowed |analytic - numeric| / max(1, |numeric|)
  std::uint64_t seed = 1;   ///< seed of the random upstream gradient g
};

struct GradcheckResult {
  bool ok = true;
  double worst_error = 0.0;  ///< the largest scaled error found
  std::string report;        ///< where the worst error is, for the failure message
};

/// Checks layer.backward against central differences of f(x) = sum(g * layer.forward(x)) for a
/// random g, element by element for every input. Backward is called with the state recorded by
/// the forward pass (when `with_state`) or with null.
GradcheckResult check_layer_gradient(const Layer& layer, const std::vector<Tensor>& inputs,
                                     const Backend& backend, GradcheckOptions options = {},
                                     bool with_state = true);

}  // namespace lumen::testing
