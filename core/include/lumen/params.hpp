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

enum class ParamType { integer, real, boolean, text, choice, list };
LUMEN_API const char* to_string(ParamType type);

/// Declaration of one parameter of an explainer, rule, metric or dataset kind. Made with the
/// builders in `lumen::param` (param::real("epsilon", 1e-6, "...").within(0, 1)).
struct ParamSpec {
  std::string name;  ///< snake_case; "prefix.*" accepts any "prefix.key" (param::pattern)
  ParamType type = ParamType::real;
  std::string default_value;  ///< as it would be written on the command line
  std::string help;
  double min = -std::numeric_limits<double>::infinity();  ///< inclusive bounds of a number or of
  double max = std::numeric_limits<double>::infinity();   ///< each element of a list
  std::vector<std::string> choices;     ///< choice, and a list of choices: the accepted values
  ParamType element = ParamType::real;  ///< list: integer, real or choice elements

  /// The same declaration with inclusive bounds (numbers, and each element of a list).
  LUMEN_API ParamSpec within(double low, double high) &&;
};

/// Builders of parameter declarations; the default is checked against the declaration when a
/// plugin's parameters are validated (a bad default is a plugin bug).
namespace param {
LUMEN_API ParamSpec real(std::string name, double default_value, std::string help);
LUMEN_API ParamSpec integer(std::string name, std::int64_t default_value, std::string help);
LUMEN_API ParamSpec flag(std::string name, bool default_value, std::string help);
LUMEN_API ParamSpec choice(std::string name, std::string default_value,
                           std::vector<std::string> choices, std::string help);
LUMEN_API ParamSpec text(std::string name, std::string default_value, std::string help);
/// Comma-separated numbers ("3,3"), `element` integer or real; the default as written.
LUMEN_API ParamSpec list(std::string name, ParamType element, std::string default_value,
                         std::string help);
/// Comma-separated names, each one of `choices` ("merge-batch-norm"); empty text is the empty
/// list. Read with Params::choice_list.
LUMEN_API ParamSpec choice_list(std::string name, std::string default_value,
                                std::vector<std::string> choices, std::string help);
/// "prefix.*": any "prefix.key=text", passed on as text (e.g. rule.NODE=RULE).
LUMEN_API ParamSpec pattern(std::string prefix, std::string help);

/// The batch size the batched methods and metrics share: `per_pass` says what one pass holds
/// ("masked inputs per forward pass"); 0 (the default) chooses from the pass memory and the
/// cache; at most 2^20.
LUMEN_API ParamSpec batch_size(std::string_view per_pass);
/// Whether a CAM-like map goes through ReLU (default true); `help` says what the ReLU applies to.
LUMEN_API ParamSpec relu(std::string help);
}  // namespace param

/// Validated parameter values: every declared parameter present, parsed once into its type and
/// checked against its range. Immutable; safe to read from several threads.
class LUMEN_API Params {
 public:
  Params() = default;
  /// Checks `given` (name -> text) against `specs` and fills in defaults. Throws InvalidArgument
  /// naming `owner`, the parameter and the accepted names/range on an unknown name, a value of
  /// the wrong type or out of range. Names of the form "prefix.rest" are accepted when a spec is
  /// named "prefix.*" (per-key overrides).
  static Params validate(std::span<const ParamSpec> specs,
                         const std::map<std::string, std::string>& given, std::string_view owner);

  bool has(std::string_view name) const;
  /// True when the caller gave the parameter, whatever its value; false when it is the default.
  bool given(std::string_view name) const;
  /// The value of a parameter of that type; throws NotFound for an undeclared name and
  /// InvalidArgument when the declaration has another type.
  std::int64_t integer(std::string_view name) const;
  double real(std::string_view name) const;
  bool boolean(std::string_view name) const;
  const std::string& text(std::string_view name) const;  ///< any type, as written
  const std::vector<double>& list(std::string_view name) const;
  /// The names of a list of choices (param::choice_list), in the order given.
  const std::vector<std::string>& choice_list(std::string_view name) const;
  /// All values as written, in name order.
  std::map<std::string, std::string> values() const;

 private:
  struct Value {
    ParamType type = ParamType::text;
    std::string text;
    double number = 0;  // integer, real, boolean (0 or 1)
    std::vector<double> list;
    ParamType element = ParamType::real;  // a list's
    std::vector<std::string> names;       // a list of choices
    bool given = false;
  };
  const Value& value(std::string_view name, ParamType wanted) const;
  const Value& list_value(std::string_view name, bool of_choices) const;
  std::map<std::string, Value, std::less<>> values_;
};

/// Parses "name=value" into its two parts; throws InvalidArgument on a missing '='.
LUMEN_API std::pair<std::string, std::string> parse_assignment(std::string_view text);

}  // namespace lumen
