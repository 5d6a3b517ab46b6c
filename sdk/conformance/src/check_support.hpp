#pragma once
// Helpers shared by the checks: failing, comparisons, names and parameter specs.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <typeinfo>
#include <vector>

#include "lumen/params.hpp"
#include "lumen/tensor.hpp"

namespace lumen {
class Backend;
class Registry;
}  // namespace lumen

namespace lumen::conformance::detail {

/// Fails the running check (throws CheckFailed).
[[noreturn]] void fail(const std::string& reason);

/// A short decimal rendering: 3 significant digits ("0.31", "1.2e-05").
std::string number(double value);
std::string join(const std::vector<std::string>& parts, std::string_view separator);
/// The demangled name of a type ("lumen::InvalidArgument").
std::string type_name(const std::type_info& type);

/// Same shape and the same bits.
bool bit_identical(const Tensor& a, const Tensor& b);
/// max |a - b| over elements; infinity when the shapes differ or a NaN appears.
double max_abs_difference(const Tensor& a, const Tensor& b);
/// max |actual - expected| / (max |expected| + 1e-6); infinity on a size mismatch or a NaN.
double relative_difference(std::span<const float> actual, std::span<const float> expected);

bool is_kebab_case(std::string_view name);

/// What is wrong with a set of parameter declarations (empty when nothing): names, types, help,
/// choices, ranges and defaults that do not validate. `owner` names the item in messages.
std::vector<std::string> param_spec_problems(std::span<const ParamSpec> specs,
                                             std::string_view owner);

/// Out-of-range values to try for each numeric parameter with a finite bound: (name, value).
std::vector<std::pair<std::string, std::string>> out_of_range_values(const ParamSpec& spec);

/// The backend explainers, rules and metrics run on; null when it is not registered.
std::shared_ptr<const Backend> find_reference_backend(const Registry& registry);
/// The reason given when it is not.
std::string missing_reference_backend();

}  // namespace lumen::conformance::detail
