#include "lumen/params.hpp"

#include <algorithm>
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
    case ParamType::list: return "list";
  }
  return "?";
}

ParamSpec ParamSpec::within(double low, double high) && {
  min = low;
  max = high;
  return std::move(*this);
}

namespace param {
namespace {

std::string number_text(double v) {
  char buffer[32];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, v);
  return std::string(buffer, ec == std::errc() ? end : buffer);
}

ParamSpec spec(std::string name, ParamType type, std::string default_value, std::string help) {
  ParamSpec s;
  s.name = std::move(name);
  s.type = type;
  s.default_value = std::move(default_value);
  s.help = std::move(help);
  return s;
}

}  // namespace

ParamSpec real(std::string name, double default_value, std::string help) {
  return spec(std::move(name), ParamType::real, number_text(default_value), std::move(help));
}

ParamSpec integer(std::string name, std::int64_t default_value, std::string help) {
  return spec(std::move(name), ParamType::integer, std::to_string(default_value), std::move(help));
}

ParamSpec flag(std::string name, bool default_value, std::string help) {
  return spec(std::move(name), ParamType::boolean, default_value ? "true" : "false",
              std::move(help));
}

ParamSpec choice(std::string name, std::string default_value, std::vector<std::string> choices,
                 std::string help) {
  ParamSpec s = spec(std::move(name), ParamType::choice, std::move(default_value), std::move(help));
  s.choices = std::move(choices);
  return s;
}

ParamSpec text(std::string name, std::string default_value, std::string help) {
  return spec(std::move(name), ParamType::text, std::move(default_value), std::move(help));
}

ParamSpec list(std::string name, ParamType element, std::string default_value, std::string help) {
  if (element != ParamType::integer && element != ParamType::real) {
    throw InvalidArgument("parameter '" + name + "': a list holds integers or reals, not " +
                          to_string(element) + " (a list of names is a param::choice_list)");
  }
  ParamSpec s = spec(std::move(name), ParamType::list, std::move(default_value), std::move(help));
  s.element = element;
  return s;
}

ParamSpec choice_list(std::string name, std::string default_value, std::vector<std::string> choices,
                      std::string help) {
  ParamSpec s = spec(std::move(name), ParamType::list, std::move(default_value), std::move(help));
  s.element = ParamType::choice;
  s.choices = std::move(choices);
  return s;
}

ParamSpec pattern(std::string prefix, std::string help) {
  return spec(std::move(prefix) + ".*", ParamType::text, "", std::move(help));
}

ParamSpec batch_size(std::string_view per_pass) {
  return integer("batch_size", 0,
                 std::string(per_pass) +
                     "; 0: automatic, as many as fit the pass memory (--pass-memory) and the "
                     "cache")
      .within(0, 1 << 20);
}

ParamSpec relu(std::string help) { return flag("relu", true, std::move(help)); }

}  // namespace param

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

std::optional<double> parse_number(std::string_view text, bool integer) {
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

double checked_number(const ParamSpec& spec, ParamType type, std::string_view text,
                      const std::string& where, const std::string& value) {
  const bool integer = type == ParamType::integer;
  const auto v = parse_number(text, integer);
  if (!v) {
    throw InvalidArgument(where + " needs " + (integer ? "an integer" : "a number") +
                          (spec.type == ParamType::list ? " in each list element" : "") +
                          ", got '" + value + "'");
  }
  if (*v < spec.min || *v > spec.max) {
    throw InvalidArgument(where + " = " + value + " is out of range " + range_text(spec));
  }
  return *v;
}

// The comma-separated items of a list, each without surrounding spaces.
std::vector<std::string_view> list_items(std::string_view rest) {
  std::vector<std::string_view> items;
  while (true) {
    const auto comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    items.push_back(item);
    if (comma == std::string_view::npos) return items;
    rest.remove_prefix(comma + 1);
  }
}

std::vector<double> checked_list(const ParamSpec& spec, const std::string& where,
                                 const std::string& value) {
  std::vector<double> out;
  for (const auto item : list_items(value))
    out.push_back(checked_number(spec, spec.element, item, where, value));
  return out;
}

std::string accepted_choices(const ParamSpec& spec) {
  std::string accepted;
  for (const auto& c : spec.choices) accepted += (accepted.empty() ? "" : ", ") + c;
  return accepted.empty() ? "(none registered)" : accepted;
}

std::vector<std::string> checked_choice_list(const ParamSpec& spec, const std::string& where,
                                             const std::string& value) {
  std::vector<std::string> out;
  if (list_items(value) == std::vector<std::string_view>{""}) return out;
  for (const auto item : list_items(value)) {
    const bool known =
        std::find(spec.choices.begin(), spec.choices.end(), item) != spec.choices.end();
    if (!known) {
      throw InvalidArgument(where + ": '" + std::string(item) + "' (in '" + value +
                            "') is not one of: " + accepted_choices(spec));
    }
    out.emplace_back(item);
  }
  return out;
}

}  // namespace

Params Params::validate(std::span<const ParamSpec> specs,
                        const std::map<std::string, std::string>& given, std::string_view owner) {
  const auto parsed = [&](const ParamSpec& spec, const std::string& name, const std::string& text) {
    const std::string where = std::string(owner) + ": parameter '" + name + "'";
    Value v;
    v.type = spec.type;
    v.text = text;
    switch (spec.type) {
      case ParamType::integer:
      case ParamType::real: v.number = checked_number(spec, spec.type, text, where, text); break;
      case ParamType::boolean: {
        const auto b = parse_bool(text);
        if (!b) throw InvalidArgument(where + " needs true or false, got '" + text + "'");
        v.number = *b ? 1 : 0;
        break;
      }
      case ParamType::choice: {
        bool known = false;
        std::string accepted;
        for (const auto& c : spec.choices) {
          known = known || c == text;
          accepted += (accepted.empty() ? "" : ", ") + c;
        }
        if (!known) throw InvalidArgument(where + " = '" + text + "' is not one of: " + accepted);
        break;
      }
      case ParamType::list:
        v.element = spec.element;
        if (spec.element == ParamType::choice) {
          v.names = checked_choice_list(spec, where, text);
        } else {
          v.list = checked_list(spec, where, text);
        }
        break;
      case ParamType::text: break;
    }
    return v;
  };
  Params p;
  for (const auto& [name, text] : given) {
    const ParamSpec* spec = find_spec(specs, name);
    if (!spec) {
      throw InvalidArgument(std::string(owner) + ": unknown parameter '" + name + "'; " +
                            accepted_names(specs));
    }
    Value v = parsed(*spec, name, text);
    v.given = true;
    p.values_[name] = std::move(v);
  }
  for (const auto& spec : specs) {
    if (spec.name.ends_with(".*") || p.values_.count(spec.name)) continue;
    p.values_[spec.name] = parsed(spec, spec.name, spec.default_value);
  }
  return p;
}

bool Params::has(std::string_view name) const { return values_.find(name) != values_.end(); }

bool Params::given(std::string_view name) const {
  const auto it = values_.find(name);
  return it != values_.end() && it->second.given;
}

const Params::Value& Params::value(std::string_view name, ParamType wanted) const {
  const auto it = values_.find(name);
  if (it == values_.end()) throw NotFound("no parameter named '" + std::string(name) + "'");
  const ParamType type = it->second.type;
  // A real may be read from an integer declaration; every other read needs the declared type.
  const bool fits = type == wanted || (wanted == ParamType::real && type == ParamType::integer);
  if (!fits) {
    throw InvalidArgument("parameter '" + std::string(name) + "' is declared " + to_string(type) +
                          ", read as " + to_string(wanted));
  }
  return it->second;
}

const std::string& Params::text(std::string_view name) const {
  const auto it = values_.find(name);
  if (it == values_.end()) throw NotFound("no parameter named '" + std::string(name) + "'");
  return it->second.text;
}

std::int64_t Params::integer(std::string_view name) const {
  return static_cast<std::int64_t>(value(name, ParamType::integer).number);
}

double Params::real(std::string_view name) const { return value(name, ParamType::real).number; }

bool Params::boolean(std::string_view name) const {
  return value(name, ParamType::boolean).number != 0;
}

const Params::Value& Params::list_value(std::string_view name, bool of_choices) const {
  const Value& v = value(name, ParamType::list);
  if ((v.element == ParamType::choice) != of_choices) {
    throw InvalidArgument("parameter '" + std::string(name) + "' is declared a list of " +
                          to_string(v.element) + "s, read as a list of " +
                          (of_choices ? "choices" : "numbers"));
  }
  return v;
}

const std::vector<double>& Params::list(std::string_view name) const {
  return list_value(name, false).list;
}

const std::vector<std::string>& Params::choice_list(std::string_view name) const {
  return list_value(name, true).names;
}

std::map<std::string, std::string> Params::values() const {
  std::map<std::string, std::string> out;
  for (const auto& [name, v] : values_) out.emplace(name, v.text);
  return out;
}

std::pair<std::string, std::string> parse_assignment(std::string_view text) {
  const auto eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    throw InvalidArgument("expected name=value, got '" + std::string(text) + "'");
  }
  return {std::string(text.substr(0, eq)), std::string(text.substr(eq + 1))};
}

}  // namespace lumen
