#pragma once
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lumen::onnx_import {

/// Typed access to a node's attributes. A getter without a fallback treats the attribute as
/// required. Errors are ModelError naming the attribute.
class Attributes {
 public:
  explicit Attributes(const onnx::NodeProto& node) : node_(node) {}

  bool has(std::string_view name) const { return find(name) != nullptr; }
  std::int64_t get_int(std::string_view name, std::optional<std::int64_t> fallback = {}) const;
  float get_float(std::string_view name, std::optional<float> fallback = {}) const;
  std::vector<std::int64_t> get_ints(std::string_view name,
                                     std::optional<std::vector<std::int64_t>> fallback = {}) const;
  std::vector<float> get_floats(std::string_view name) const;
  const onnx::TensorProto& get_tensor(std::string_view name) const;
  /// A STRING attribute that must be one of `allowed` (its default when absent).
  std::string get_choice(std::string_view name, const std::string& fallback,
                         std::initializer_list<std::string_view> allowed) const;
  /// A boolean flag stored as INT: absent gives `fallback`, otherwise 0 or 1.
  bool get_flag(std::string_view name, bool fallback) const;

 private:
  const onnx::AttributeProto* find(std::string_view name) const;
  const onnx::AttributeProto& require(std::string_view name,
                                      onnx::AttributeProto::AttributeType type) const;

  const onnx::NodeProto& node_;
};

}  // namespace lumen::onnx_import
