#pragma once
// The nodes of one model that lumen refuses, collected so that one error lists all of them,
// grouped by op (internal).
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace lumen::onnx_import {

class Refusals {
 public:
  /// Names listed per op before "and N more".
  static constexpr std::size_t names_per_op = 8;

  /// Records node `name` of op `op` (with its domain, when not the default one), refused for
  /// `reason` (empty: the op itself is not supported).
  void add(const std::string& op, const std::string& domain, const std::string& name,
           std::string reason = {});
  bool empty() const { return count_ == 0; }
  std::size_t count() const { return count_; }

  /// "<n> nodes <headline> (opset 13):" then per op "  Einsum (2 nodes): 'a', 'b'", or, when
  /// the nodes have reasons, "  Mul (2 nodes):" followed by one line "    'a': why" per node.
  std::string describe(const std::string& headline, std::int64_t opset) const;

 private:
  struct Entry {
    std::string name;
    std::string reason;
  };
  std::map<std::string, std::vector<Entry>> by_op_;
  std::size_t count_ = 0;
};

}  // namespace lumen::onnx_import
