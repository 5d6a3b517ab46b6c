#include "check_support.hpp"

#include <cxxabi.h>
#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "lumen/conformance/checks.hpp"
#include "lumen/conformance/report.hpp"
#include "lumen/error.hpp"
#include "lumen/registry.hpp"

namespace lumen::conformance::detail {

void fail(const std::string& reason) { throw CheckFailed(reason); }

std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3g", value);
  return text;
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string text;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) text += separator;
    text += parts[i];
  }
  return text;
}

std::string type_name(const std::type_info& type) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> name(
      abi::__cxa_demangle(type.name(), nullptr, nullptr, &status), std::free);
  return status == 0 && name ? name.get() : type.name();
}

bool bit_identical(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && std::ranges::equal(a.values(), b.values(), [](float x, float y) {
           return std::bit_cast<std::uint32_t>(x) == std::bit_cast<std::uint32_t>(y);
         });
}

double max_abs_difference(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape()) return std::numeric_limits<double>::infinity();
  double worst = 0.0;
  for (std::int64_t i = 0; i < a.size(); ++i) {
    const double d = std::abs(static_cast<double>(a[i]) - b[i]);
    if (std::isnan(d)) return std::numeric_limits<double>::infinity();
    worst = std::max(worst, d);
  }
  return worst;
}

double relative_difference(std::span<const float> actual, std::span<const float> expected) {
  if (actual.size() != expected.size()) return std::numeric_limits<double>::infinity();
  double worst = 0.0, scale = 0.0;
  for (std::size_t i = 0; i < actual.size(); ++i) {
    const double d = std::abs(static_cast<double>(actual[i]) - expected[i]);
    if (std::isnan(d)) return std::numeric_limits<double>::infinity();
    worst = std::max(worst, d);
    scale = std::max(scale, std::abs(static_cast<double>(expected[i])));
  }
  return worst / (scale + 1e-6);
}

namespace {

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// Words of lower-case letters and digits, the first starting with a letter, joined by `separator`.
bool is_words(std::string_view name, char separator) {
  if (name.empty() || !(name.front() >= 'a' && name.front() <= 'z')) return false;
  if (name.back() == separator) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (c == separator) {
      if (name[i - 1] == separator) return false;
    } else if (!is_lower_alnum(c)) {
      return false;
    }
  }
  return true;
}

// snake_case, or a per-node family "prefix.*" with a snake_case prefix.
bool is_snake_case(std::string_view name) {
  if (name.ends_with(".*")) name.remove_suffix(2);
  return is_words(name, '_');
}

bool is_numeric(const ParamSpec& spec) {
  return spec.type == ParamType::integer || spec.type == ParamType::real;
}

bool is_bounded(const ParamSpec& spec) {
  return is_numeric(spec) || (spec.type == ParamType::list && spec.element != ParamType::choice);
}

// The name under which a value for `spec` is given: "prefix.*" takes "prefix.some_node".
std::string given_name(const ParamSpec& spec) {
  if (spec.name.ends_with(".*")) return spec.name.substr(0, spec.name.size() - 1) + "some_node";
  return spec.name;
}

// The shortest decimal text that reads back as `value`, as a parameter would be given.
std::string exact(double value) {
  char text[64];
  const auto [end, ec] = std::to_chars(text, text + sizeof text, value);
  return ec == std::errc() ? std::string(text, end) : number(value);
}

std::string integer_text(double value) {
  return std::to_string(static_cast<long long>(std::llround(value)));
}

}  // namespace

bool is_kebab_case(std::string_view name) { return is_words(name, '-'); }

std::vector<std::string> param_spec_problems(std::span<const ParamSpec> specs,
                                             std::string_view owner) {
  std::vector<std::string> problems;
  for (const ParamSpec& spec : specs) {
    const std::string which = "parameter '" + spec.name + "'";
    if (!is_snake_case(spec.name)) problems.push_back(which + " is not snake_case");
    if (spec.help.empty()) problems.push_back(which + " has no help text");
    const int type = static_cast<int>(spec.type);
    if (type < 0 || type > static_cast<int>(ParamType::list)) {
      problems.push_back(which + " has no valid type");
      continue;
    }
    if (spec.type == ParamType::choice && spec.choices.empty()) {
      problems.push_back(which + " is a choice with no choices");
    }
    if (spec.type == ParamType::list && spec.element != ParamType::integer &&
        spec.element != ParamType::real && spec.element != ParamType::choice) {
      problems.push_back(which + " is a list of neither integers, reals nor choices");
    }
    if (is_bounded(spec) && !(spec.min <= spec.max)) {
      problems.push_back(which + " has range [" + number(spec.min) + ", " + number(spec.max) +
                         "] with min > max");
    }
    try {
      Params::validate({&spec, 1}, {{given_name(spec), spec.default_value}}, owner);
    } catch (const Error& e) {
      problems.push_back(which + ": its default '" + spec.default_value + "' does not validate (" +
                         e.what() + ")");
    }
  }
  return problems;
}

std::vector<std::pair<std::string, std::string>> out_of_range_values(const ParamSpec& spec) {
  std::vector<std::pair<std::string, std::string>> values;
  if (!is_bounded(spec)) return values;
  const bool integer =
      (spec.type == ParamType::list ? spec.element : spec.type) == ParamType::integer;
  auto text = [&](double v) { return integer ? integer_text(v) : exact(v); };
  if (std::isfinite(spec.min)) values.emplace_back(given_name(spec), text(spec.min - 1.0));
  if (std::isfinite(spec.max)) values.emplace_back(given_name(spec), text(spec.max + 1.0));
  return values;
}

std::shared_ptr<const Backend> find_reference_backend(const Registry& registry) {
  for (const auto& name : registry.backend_names()) {
    if (name == reference_backend) return registry.backend(name);
  }
  return nullptr;
}

std::string missing_reference_backend() {
  return std::string("the reference backend '") + reference_backend +
         "' is not registered; it is needed to run the checks (is its plugin in the search path?)";
}

}  // namespace lumen::conformance::detail
