#include "metadata.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "lumen/error.hpp"

namespace lumen::onnx_import {

namespace {

std::string trim(const std::string& s) {
  const auto begin = s.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return {};
  return s.substr(begin, s.find_last_not_of(" \t\r\n") - begin + 1);
}

std::vector<std::string> split_commas(const std::string& value, const std::string& key) {
  std::vector<std::string> items;
  std::size_t begin = 0;
  while (true) {
    const auto end = value.find(',', begin);
    auto item =
        trim(value.substr(begin, end == std::string::npos ? std::string::npos : end - begin));
    if (item.empty())
      throw ModelError("metadata '" + key + "' has an empty entry in '" + value + "'");
    items.push_back(std::move(item));
    if (end == std::string::npos) return items;
    begin = end + 1;
  }
}

std::vector<std::string> parse_labels(const std::string& raw, const std::string& key) {
  const auto value = trim(raw);
  if (value.empty()) return {};
  if (value.front() != '[') return split_commas(value, key);
  const auto json = nlohmann::json::parse(value, nullptr, false);
  if (json.is_discarded() || !json.is_array()) {
    throw ModelError("metadata '" + key + "' starts with '[' but is not a JSON array");
  }
  std::vector<std::string> labels;
  for (const auto& item : json) {
    if (!item.is_string()) {
      throw ModelError("metadata '" + key + "' has the non-string entry " + item.dump());
    }
    labels.push_back(item.get<std::string>());
  }
  return labels;
}

std::vector<float> parse_floats(const std::string& raw, const std::string& key) {
  auto value = trim(raw);
  if (value.size() >= 2 && value.front() == '[' && value.back() == ']') {
    value = value.substr(1, value.size() - 2);
  }
  if (trim(value).empty()) return {};
  std::vector<float> numbers;
  for (const auto& item : split_commas(value, key)) {
    char* end = nullptr;
    errno = 0;
    const float v = std::strtof(item.c_str(), &end);
    if (end != item.c_str() + item.size() || errno == ERANGE || !std::isfinite(v)) {
      throw ModelError("metadata '" + key + "' has the entry '" + item +
                       "', which is not a number");
    }
    numbers.push_back(v);
  }
  return numbers;
}

std::string parse_preprocess(const std::string& raw, const std::string& key) {
  auto value = trim(raw);
  if (value != "stretch" && value != "imagenet") {
    throw ModelError("metadata '" + key + "' is '" + raw + "'; accepted: stretch, imagenet");
  }
  return value;
}

}  // namespace

Metadata read_metadata(const onnx::ModelProto& model) {
  Metadata m;
  for (const auto& entry : model.metadata_props()) {
    if (entry.key() == "lumen.labels") m.labels = parse_labels(entry.value(), entry.key());
    if (entry.key() == "lumen.mean") m.mean = parse_floats(entry.value(), entry.key());
    if (entry.key() == "lumen.std") m.std = parse_floats(entry.value(), entry.key());
    if (entry.key() == "lumen.preprocess") {
      m.preprocess = parse_preprocess(entry.value(), entry.key());
    }
  }
  return m;
}

}  // namespace lumen::onnx_import
