#pragma once
// The z-box rule's input bounds: one value for every channel or one per channel.
#include <lumen/tensor.hpp>
#include <string>
#include <vector>

namespace lumen::zbox {

/// Checks low < high element-wise (a single value pairs with every value of the other list);
/// throws InvalidArgument naming both parameters and the offending values.
void check_ordered(const std::vector<float>& low, const std::vector<float>& high);

/// The bound `values` spread over a tensor of `shape` ([N, C, ...]): value c along axis 1, or the
/// single value everywhere. Throws InvalidArgument naming `name` and both counts when the count
/// is neither 1 nor the channel count C.
Tensor expand_bounds(const std::string& name, const std::vector<float>& values, const Shape& shape);

}  // namespace lumen::zbox
