#include "attributes.hpp"

#include "lumen/error.hpp"

namespace lumen::onnx_import {

namespace {

std::string type_name(int type) {
  return onnx::AttributeProto::AttributeType_IsValid(type)
             ? onnx::AttributeProto::AttributeType_Name(
                   static_cast<onnx::AttributeProto::AttributeType>(type))
             : std::to_string(type);
}

}  // namespace

const onnx::AttributeProto* Attributes::find(std::string_view name) const {
  for (const auto& a : node_.attribute()) {
    if (a.name() == name) return &a;
  }
  return nullptr;
}

const onnx::AttributeProto& Attributes::require(std::string_view name,
                                                onnx::AttributeProto::AttributeType type) const {
  const auto* a = find(name);
  if (!a) throw ModelError("required attribute '" + std::string(name) + "' is missing");
  if (a->type() != type) {
    throw ModelError("attribute '" + std::string(name) + "' has type " + type_name(a->type()) +
                     "; expected " + type_name(type));
  }
  return *a;
}

std::int64_t Attributes::get_int(std::string_view name,
                                 std::optional<std::int64_t> fallback) const {
  if (fallback && !has(name)) return *fallback;
  return require(name, onnx::AttributeProto::INT).i();
}

float Attributes::get_float(std::string_view name, std::optional<float> fallback) const {
  if (fallback && !has(name)) return *fallback;
  return require(name, onnx::AttributeProto::FLOAT).f();
}

std::vector<std::int64_t> Attributes::get_ints(
    std::string_view name, std::optional<std::vector<std::int64_t>> fallback) const {
  if (fallback && !has(name)) return *fallback;
  const auto& a = require(name, onnx::AttributeProto::INTS);
  return {a.ints().begin(), a.ints().end()};
}

std::vector<float> Attributes::get_floats(std::string_view name) const {
  const auto& a = require(name, onnx::AttributeProto::FLOATS);
  return {a.floats().begin(), a.floats().end()};
}

const onnx::TensorProto& Attributes::get_tensor(std::string_view name) const {
  return require(name, onnx::AttributeProto::TENSOR).t();
}

std::string Attributes::get_choice(std::string_view name, const std::string& fallback,
                                   std::initializer_list<std::string_view> allowed) const {
  if (!has(name)) return fallback;
  const auto& value = require(name, onnx::AttributeProto::STRING).s();
  std::string expected;
  for (auto option : allowed) {
    if (value == option) return value;
    expected += (expected.empty() ? "" : ", ") + std::string(option);
  }
  throw ModelError("attribute '" + std::string(name) + "' has the unsupported value '" + value +
                   "'; expected one of: " + expected);
}

bool Attributes::get_flag(std::string_view name, bool fallback) const {
  const auto v = get_int(name, fallback ? 1 : 0);
  if (v != 0 && v != 1) {
    throw ModelError("attribute '" + std::string(name) + "' must be 0 or 1, got " +
                     std::to_string(v));
  }
  return v == 1;
}

}  // namespace lumen::onnx_import
