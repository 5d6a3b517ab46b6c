#include "refusals.hpp"

#include <algorithm>

namespace lumen::onnx_import {

namespace {

std::string nodes(std::size_t n) { return std::to_string(n) + (n == 1 ? " node" : " nodes"); }

}  // namespace

void Refusals::add(const std::string& op, const std::string& domain, const std::string& name,
                   std::string reason) {
  const auto key = domain.empty() || domain == "ai.onnx" ? op : op + " (domain '" + domain + "')";
  by_op_[key].push_back({name, std::move(reason)});
  ++count_;
}

std::string Refusals::describe(const std::string& headline, std::int64_t opset) const {
  std::string out = nodes(count_) + " " + headline + " (opset " + std::to_string(opset) + "):";
  for (const auto& [op, entries] : by_op_) {
    out += "\n  " + op + " (" + nodes(entries.size()) + "):";
    const auto shown = std::min(entries.size(), names_per_op);
    const bool reasons = !entries.front().reason.empty();
    for (std::size_t i = 0; i < shown; ++i) {
      // Names alone on one line; a node with its reason on a line of its own.
      out += reasons ? "\n    '" + entries[i].name + "': " + entries[i].reason
                     : (i ? ", '" : " '") + entries[i].name + "'";
    }
    if (entries.size() > shown) {
      out += (reasons ? "\n    and " : ", and ") + std::to_string(entries.size() - shown) + " more";
    }
  }
  return out;
}

}  // namespace lumen::onnx_import
