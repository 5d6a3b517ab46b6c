#pragma once
#include <cstdint>
#include <limits>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lumen/export.hpp"

namespace lumen {

enum class ParamType { integer, real, boolean, text, choice };
LUMEN_API const char* to_string(ParamType type);

/// Declaration of one parameter of an explainer, rule or metric.
struct ParamSpec {
  std::string name;  ///< snake_case
  ParamType type = ParamType::real;
  std::string default_value;  ///< as it would be written on the command line
  std::string help;
  double min = -std::numeric_limits<double>::infinity();  ///< integer/real: inclusive bounds
  double max = std::numeric_limits<double>::infinity();
  std::vector<std::string> choices;  ///< choice: the accepted values
};

/// Validated parameter values: every declared parameter present, typed and in range.
class LUMEN_API Params {
 public:
  Params() = default;
  /// Checks `given` (name -> text) against `specs` and fills in defaults. Throws InvalidArgument
  /// naming `owner`, the parameter and the accepted names/range on an unknown name, a value of
  /// the wrong type or out of range. Names of the form "prefix.rest" are accepted when a spec is
  /// named "prefix.*" (per-node overrides).
  static Params validate(std::span<const ParamSpec> specs,
                         const std::map<std::string, std::string>& given, std::string_view owner);

  bool has(std::string_view name) const;
  std::int64_t integer(std::string_view name) const;
  double real(std::string_view name) const;
  bool boolean(std::string_view name) const;
  const std::string& text(std::string_view name) const;
  /// All values, as text, in name order.
  const std::map<std::string, std::string, std::less<>>& values() const { return values_; }

 private:
  std::map<std::string, std::string, std::less<>> values_;
};

/// Parses "name=value" into its two parts; throws InvalidArgument on a missing '='.
LUMEN_API std::pair<std::string, std::string> parse_assignment(std::string_view text);

}  // namespace lumen
