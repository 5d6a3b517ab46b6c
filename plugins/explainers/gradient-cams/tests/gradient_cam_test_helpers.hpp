#pragma once
// Models and checks the gradient CAMs' tests share.
#include <array>
#include <cstdint>
#include <functional>
#include <lumen/model.hpp>
#include <string>

#include "pooled_model.hpp"

namespace lumen::testing {

/// input [N,2,4,4] -> Identity ("features") -> Flatten -> Linear (32->6) -> Tanh -> Linear (6->3):
/// a smooth head, so the gradient at the features is the input gradient, by finite differences.
Model smooth_model();

/// A method's layer map before its ReLU at "features" of pooled_model, from the target class and
/// the features (pooled): one value per pixel of the 2x2 map.
using HandDerivedMap = std::function<std::array<double, 4>(std::int64_t target, const Tensor& a)>;

/// For seeds 1, 2, 3 and every class of `w`: `method` at "features" of pooled_model(w, gap) with
/// relu=false equals `expected` within `margin`, with the default ReLU max(0, expected); the map
/// is the layer map upsampled bilinearly, and each run is 1 forward and 1 backward pass.
void check_hand_derived(const std::string& method, const Tensor& w, bool gap, double margin,
                        const HandDerivedMap& expected);

/// On smooth_model, for two inputs and every class, `method` (relu=false, default layer
/// "features") equals sum_k weight(g^k_ij) x^k_ij with g the gradient by finite differences.
void check_per_pixel_against_finite_differences(const std::string& method, float (*weight)(float));

}  // namespace lumen::testing
