#include "lumen/params.hpp"

#include <charconv>
#include <cmath>
#include <optional>
#include <sstream>

#include "lumen/error.hpp"

namespace lumen {

const char* to_string(ParamType type) {
  switch (type) {
    case ParamType::integer: return "integer";
    case ParamType::real: return "real";
    case ParamType::boolean: return "boolean";
    case ParamType::text: return "text";
    case ParamType::choice: return "choice";
  }
  return "?";
}

namespace {

std::string accepted_names(std::span<const ParamSpec> specs) {
  if (specs.empty()) return "it takes no parameters";
  std::string s = "accepted: ";
  for (std::size_t i = 0; i < specs.size(); ++i) s += (i ? ", " : "") + specs[i].name;
  return s;
}

const ParamSpec* find_spec(std::span<const ParamSpec> specs, const std::string& name) {
  for (const auto& s : specs) {
    if (s.name == name) return &s;
  }
  // "rule.conv1" matches a spec named "rule.*".
  const auto dot = name.find('.');
  if (dot != std::string::npos) {
    const std::string pattern = name.substr(0, dot) + ".*";
    for (const auto& s : specs) {
      if (s.name == pattern) return &s;
    }
  }
  return nullptr;
}

std::string range_text(const ParamSpec& s) {
  std::ostringstream out;
  out << '[' << s.min << ", " << s.max << ']';
  return out.str();
}

std::optional<double> parse_number(const std::string& text, bool integer) {
  if (text.empty()) return std::nullopt;
  if (integer) {
    long long v = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || p != text.data() + text.size()) return std::nullopt;
    return static_cast<double>(v);
  }
  double v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<bool> parse_bool(const std::string& text) {
  if (text == "true" || text == "1" || text == "yes" || text == "on") return true;
  if (text == "false" || text == "0" || text == "no" || text == "off") return false;
  return std::nullopt;
}

void check_value(const ParamSpec& spec, const std::string& name, const std::string& value,
                 std::string_view owner) {
  const std::string where = std::string(owner) + ": parameter '" + name + "'";
  switch (spec.type) {
    case ParamType::integer:
    case ParamType::real: {
      const bool integer = spec.type == ParamType::integer;
      auto v = parse_number(value, integer);
      if (!v) {
        throw InvalidArgument(where + " needs " + (integer ? "an integer" : "a number") +
                              ", got '" + value + "'");
      }
      if (*v < spec.min || *v > spec.max) {
        throw InvalidArgument(where + " = " + value + " is out of range " + range_text(spec));
      }
      return;
    }
    case ParamType::boolean:
      if (!parse_bool(value))
        throw InvalidArgument(where + " needs true or false, got '" + value + "'");
      return;
    case ParamType::choice: {
      for (const auto& c : spec.choices) {
        if (c == value) return;
      }
      std::string list;
      for (std::size_t i = 0; i < spec.choices.size(); ++i)
        list += (i ? ", " : "") + spec.choices[i];
      throw InvalidArgument(where + " = '" + value + "' is not one of: " + list);
    }
    case ParamType::text: return;
  }
}

}  // namespace

Params Params::validate(std::span<const ParamSpec> specs,
                        const std::map<std::string, std::string>& given, std::string_view owner) {
  Params p;
  for (const auto& [name, value] : given) {
    const ParamSpec* spec = find_spec(specs, name);
    if (!spec) {
      throw InvalidArgument(std::string(owner) + ": unknown parameter '" + name + "'; " +
                            accepted_names(specs));
    }
    check_value(*spec, name, value, owner);
    p.values_[name] = value;
  }
  for (const auto& spec : specs) {
    if (spec.name.ends_with(".*") || p.values_.count(spec.name)) continue;
    check_value(spec, spec.name, spec.default_value, owner);  // a bad default is a plugin bug
    p.values_[spec.name] = spec.default_value;
  }
  return p;
}

bool Params::has(std::string_view name) const { return values_.find(name) != values_.end(); }

const std::string& Params::text(std::string_view name) const {
  auto it = values_.find(name);
  if (it == values_.end()) throw NotFound("no parameter named '" + std::string(name) + "'");
  return it->second;
}

std::int64_t Params::integer(std::string_view name) const {
  const auto& t = text(name);
  auto v = parse_number(t, true);
  if (!v)
    throw InvalidArgument("parameter '" + std::string(name) + "' is not an integer: '" + t + "'");
  return static_cast<std::int64_t>(*v);
}

double Params::real(std::string_view name) const {
  const auto& t = text(name);
  auto v = parse_number(t, false);
  if (!v)
    throw InvalidArgument("parameter '" + std::string(name) + "' is not a number: '" + t + "'");
  return *v;
}

bool Params::boolean(std::string_view name) const {
  const auto& t = text(name);
  auto v = parse_bool(t);
  if (!v)
    throw InvalidArgument("parameter '" + std::string(name) + "' is not a boolean: '" + t + "'");
  return *v;
}

std::pair<std::string, std::string> parse_assignment(std::string_view text) {
  const auto eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    throw InvalidArgument("expected name=value, got '" + std::string(text) + "'");
  }
  return {std::string(text.substr(0, eq)), std::string(text.substr(eq + 1))};
}

}  // namespace lumen
