// read_composite_file: a composite written as JSON (docs/methods/lrp.md, "Composites in JSON").
#include <array>
#include <charconv>
#include <fstream>
#include <nlohmann/json.hpp>

#include "lumen/composite.hpp"
#include "lumen/error.hpp"
#include "lumen/layer.hpp"
#include "lumen/registry.hpp"

namespace lumen {
namespace {

using Json = nlohmann::json;

constexpr std::array kTopKeys = {"summary", "layers", "first", "last"};
constexpr std::array kSelectors = {"node", "op", "kind", "linear"};
constexpr std::array kLayerKinds = {
    LayerKind::input,         LayerKind::linear,     LayerKind::activation, LayerKind::pooling,
    LayerKind::normalisation, LayerKind::structural, LayerKind::output};

template <class Names>
std::string join(const Names& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : ", ") + std::string(n);
  return s;
}

template <class Names>
bool contains(const Names& names, const std::string& name) {
  for (const auto& n : names) {
    if (name == n) return true;
  }
  return false;
}

// A number as a parameter would be written: integers as such, others in the shortest form that
// reads back exactly, without the exponent's padding (1e-6, not 1e-06).
std::string number_text(const Json& value) {
  if (value.is_number_integer()) return value.dump();
  char buffer[64];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value.get<double>());
  std::string text(buffer, ec == std::errc() ? end : buffer);
  const auto e = text.find('e');
  if (e == std::string::npos) return text;
  std::string exponent = text.substr(e + 1);
  std::string sign;
  if (!exponent.empty() && (exponent[0] == '-' || exponent[0] == '+')) {
    if (exponent[0] == '-') sign = "-";
    exponent.erase(0, 1);
  }
  while (exponent.size() > 1 && exponent[0] == '0') exponent.erase(0, 1);
  return text.substr(0, e + 1) + sign + exponent;
}

class Reader {
 public:
  Reader(const std::filesystem::path& file, const Registry& registry)
      : file_(file.string()), registry_(registry) {}

  [[noreturn]] void refuse(const std::string& key, const std::string& problem) const {
    throw InvalidArgument("composite file '" + file_ + "': key '" + key + "': " + problem);
  }

  CompositeInfo read(const Json& root) const {
    if (!root.is_object()) {
      throw InvalidArgument("composite file '" + file_ + "': the top level must be an object " +
                            "with the keys " + join(kTopKeys));
    }
    for (const auto& [key, value] : root.items()) {
      if (!contains(kTopKeys, key)) refuse(key, "unknown key; known: " + join(kTopKeys));
    }
    CompositeInfo c;
    c.name = file_;
    c.summary = "composite read from " + file_;
    if (root.contains("summary")) {
      if (!root["summary"].is_string()) refuse("summary", "must be a string");
      c.summary = root["summary"].get<std::string>();
    }
    c.layers = entries(root, "layers");
    c.first = entries(root, "first");
    c.last = entries(root, "last");
    if (c.layers.empty() && c.first.empty() && c.last.empty()) {
      throw InvalidArgument("composite file '" + file_ +
                            "': no entries; give at least one in 'layers', 'first' or 'last'");
    }
    return c;
  }

 private:
  std::vector<CompositeEntry> entries(const Json& root, const char* key) const {
    std::vector<CompositeEntry> out;
    if (!root.contains(key)) return out;
    const Json& list = root[key];
    if (!list.is_array()) refuse(key, "must be an array of entries");
    for (std::size_t i = 0; i < list.size(); ++i)
      out.push_back(entry(list[i], std::string(key) + "[" + std::to_string(i) + "]"));
    return out;
  }

  CompositeEntry entry(const Json& e, const std::string& at) const {
    if (!e.is_object()) {
      refuse(at, "must be an object with one selector (" + join(kSelectors) + "), 'rule' and " +
                     "optionally 'params'");
    }
    std::vector<std::string> selectors;
    for (const auto& [key, value] : e.items()) {
      if (contains(kSelectors, key)) {
        selectors.push_back(key);
      } else if (key != "rule" && key != "params") {
        refuse(at + "." + key, "unknown key; an entry has one selector (" + join(kSelectors) +
                                   "), 'rule' and optionally 'params'");
      }
    }
    if (selectors.size() != 1) {
      refuse(at, selectors.empty() ? "no selector; give one of " + join(kSelectors)
                                   : "one selector per entry, got " + join(selectors));
    }
    return {selector(e, at, selectors[0]), rule(e, at)};
  }

  NodeSelector selector(const Json& e, const std::string& at, const std::string& key) const {
    const std::string where = at + "." + key;
    const Json& value = e[key];
    if (key == "linear") {
      if (value != Json(true)) refuse(where, "must be true (every layer with a linear map)");
      return NodeSelector::linear();
    }
    std::vector<std::string> values;
    if (value.is_string()) {
      values.push_back(value.get<std::string>());
    } else if (value.is_array() && !value.empty()) {
      for (const auto& v : value) {
        if (!v.is_string()) refuse(where, "must be a string or a non-empty array of strings");
        values.push_back(v.get<std::string>());
      }
    } else {
      refuse(where, "must be a string or a non-empty array of strings");
    }
    if (key == "kind") {
      std::vector<std::string> known;
      for (LayerKind k : kLayerKinds) known.emplace_back(to_string(k));
      for (const auto& v : values) {
        if (!contains(known, v))
          refuse(where, "unknown layer kind '" + v + "'; known: " + join(known));
      }
      return NodeSelector::kinds(std::move(values));
    }
    return key == "op" ? NodeSelector::ops(std::move(values))
                       : NodeSelector::nodes(std::move(values));
  }

  RuleChoice rule(const Json& e, const std::string& at) const {
    if (!e.contains("rule") || !e["rule"].is_string()) {
      refuse(at + ".rule", "missing; every entry names a registered relevance rule");
    }
    RuleChoice choice{e["rule"].get<std::string>(), {}};
    std::vector<std::string> relevance;
    for (const auto& name : registry_.rule_names()) {
      if (registry_.rule_info(name).signal == Signal::relevance) relevance.push_back(name);
    }
    if (!contains(relevance, choice.rule)) {
      refuse(at + ".rule", (contains(registry_.rule_names(), choice.rule)
                                ? "rule '" + choice.rule + "' propagates gradients, not relevance"
                                : "unknown rule '" + choice.rule + "'") +
                               "; registered relevance rules: " + join(relevance));
    }
    if (!e.contains("params")) return choice;
    const Json& params = e["params"];
    if (!params.is_object()) refuse(at + ".params", "must be an object of parameter values");
    for (const auto& [name, value] : params.items()) {
      choice.params[name] = parameter_text(value, at + ".params." + name);
    }
    // The rule's own validation names the parameter and the accepted ones.
    Params::validate(registry_.rule_info(choice.rule).params, choice.params,
                     "composite file '" + file_ + "': key '" + at + ".params'");
    return choice;
  }

  std::string parameter_text(const Json& value, const std::string& where) const {
    if (value.is_string()) return value.get<std::string>();
    if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
    if (value.is_number()) return number_text(value);
    if (value.is_array() && !value.empty()) {
      std::string text;
      for (const auto& v : value) {
        if (!v.is_number()) refuse(where, "an array value must hold numbers only");
        text += (text.empty() ? "" : ",") + number_text(v);
      }
      return text;
    }
    refuse(where, "must be a number, a string, true/false or a non-empty array of numbers");
  }

  std::string file_;
  const Registry& registry_;
};

}  // namespace

CompositeInfo read_composite_file(const std::filesystem::path& file, const Registry& registry) {
  std::ifstream in(file);
  if (!in) throw IoError("composite file '" + file.string() + "' cannot be read");
  Json root;
  try {
    root = Json::parse(in);
  } catch (const Json::parse_error& e) {
    throw InvalidArgument("composite file '" + file.string() + "': not valid JSON: " + e.what());
  }
  return Reader(file, registry).read(root);
}

}  // namespace lumen
