#include "nhwc.hpp"

#include <algorithm>
#include <set>

#include "attributes.hpp"
#include "folding.hpp"
#include "import_state.hpp"
#include "lumen/error.hpp"

namespace lumen::onnx_import {

namespace {

using I = std::int64_t;

const std::vector<I> to_nchw_perm{0, 3, 1, 2};

bool in_default_domain(const onnx::NodeProto& node) {
  return node.domain().empty() || node.domain() == "ai.onnx";
}

// A value the import will know as a constant: one already read (initializer, folded value), or
// the output of a Constant or Shape node, or of an op lumen folds when its inputs are constants.
bool is_constant_tensor(const ImportState& state, const std::string& tensor) {
  auto value = state.values.find(tensor);
  if (value != state.values.end()) return value->second.constant != nullptr;
  auto producer = state.producers.find(tensor);
  if (producer == state.producers.end()) return false;
  const auto& node = state.proto.node(static_cast<int>(producer->second));
  const auto& op = node.op_type();
  if (!in_default_domain(node)) return false;
  if (op == "Constant" || op == "Shape") return true;
  static const std::set<std::string> folded{"Add",     "Cast",     "Concat",    "Div",
                                            "Gather",  "Identity", "Mul",       "Reshape",
                                            "Squeeze", "Sub",      "Transpose", "Unsqueeze"};
  if (!folded.count(op) || node.input_size() == 0) return false;
  return std::all_of(node.input().begin(), node.input().end(), [&](const std::string& in) {
    return in.empty() || is_constant_tensor(state, in);
  });
}

// The perm a Transpose node applies (ONNX default: reversed axes), or nullopt when unreadable.
std::optional<std::vector<I>> transpose_perm(const onnx::NodeProto& node, I rank) {
  std::vector<I> reversed;
  for (I a = rank; a-- > 0;) reversed.push_back(a);
  try {
    return Attributes(node).get_ints("perm", reversed);
  } catch (const Error&) {
    return std::nullopt;
  }
}

bool reduces_spatial_axes(const onnx::NodeProto& node) {
  try {
    const Attributes a(node);
    return a.has("axes") && resolve_axes(a.get_ints("axes"), 4) == std::vector<I>{1, 2};
  } catch (const Error&) {
    return false;
  }
}

// Add/Sub/Mul/Div reading `tensor` once and a constant; Div only as the dividend.
bool arithmetic_with_constant(const ImportState& state, const onnx::NodeProto& node,
                              const std::string& tensor) {
  const auto& op = node.op_type();
  if (op != "Add" && op != "Sub" && op != "Mul" && op != "Div") return false;
  if (node.input_size() != 2 || node.input(0) == node.input(1)) return false;
  const int mine = node.input(0) == tensor ? 0 : 1;
  if (op == "Div" && mine != 0) return false;
  return is_constant_tensor(state, node.input(1 - mine));
}

bool reader_takes_view(const ImportState& state, const onnx::NodeProto& node,
                       const std::string& tensor, const Shape& nhwc, ViewEnd end) {
  if (!in_default_domain(node) || node.output_size() < 1) return false;
  const auto& op = node.op_type();
  if (op == "Transpose") {
    const auto perm = transpose_perm(node, 4);
    if (!perm) return false;
    return end == ViewEnd::any ? perm->size() == 4 && perm->front() == 0 : *perm == to_nchw_perm;
  }
  if (op == "Reshape") {
    if (node.input_size() != 2 || node.input(0) != tensor) return false;
    auto target = state.values.find(node.input(1));
    if (target == state.values.end() || !target->second.constant ||
        !target->second.constant->integer) {
      return false;
    }
    try {
      if (Attributes(node).get_flag("allowzero", false)) return false;
    } catch (const Error&) {
      return false;
    }
    return reshapes_to_nchw(target->second.constant->ints, nhwc, state.static_batch);
  }
  if (op == "ReduceMean") {
    return end == ViewEnd::any && node.input_size() == 1 && reduces_spatial_axes(node);
  }
  if (op == "Identity" || arithmetic_with_constant(state, node, tensor)) {
    return readers_take_nhwc_view(state, node.output(0), nhwc, end);
  }
  return false;
}

}  // namespace

bool readers_take_nhwc_view(const ImportState& state, const std::string& tensor, const Shape& nhwc,
                            ViewEnd end) {
  if (nhwc.size() != 4 || tensor == state.graph_output) return false;
  auto readers = state.consumers.find(tensor);
  if (readers == state.consumers.end() || readers->second.empty()) return false;
  return std::all_of(readers->second.begin(), readers->second.end(), [&](std::size_t i) {
    return reader_takes_view(state, state.proto.node(static_cast<int>(i)), tensor, nhwc, end);
  });
}

Shape nhwc_of(const Shape& nchw) { return {nchw[0], nchw[2], nchw[3], nchw[1]}; }

std::vector<I> perm_on_nchw(const std::vector<I>& perm) {
  // The NHWC tensor is the NCHW data under perm v = [0,2,3,1]; Transpose(p) of it is the data
  // under q[i] = v[p[i]].
  const std::vector<I> v{0, 2, 3, 1};
  std::vector<I> q;
  for (auto p : perm) q.push_back(v[static_cast<std::size_t>(p)]);
  return q;
}

Constant constant_for_nchw(const Constant& c) {
  if (c.shape.size() > 4) return c;
  Constant padded = c;
  padded.shape.insert(padded.shape.begin(), 4 - c.shape.size(), 1);
  return transpose_constant(padded, to_nchw_perm);
}

bool reshapes_to_nchw(const std::vector<I>& target, const Shape& nhwc,
                      std::optional<I> static_batch) {
  if (target.size() != 4 || nhwc.size() != 4 || nhwc[3] != 1) return false;
  const bool keeps_batch =
      target[0] == -1 || target[0] == 0 || (static_batch && target[0] == *static_batch);
  return keeps_batch && target[1] == 1 && target[2] == nhwc[1] && target[3] == nhwc[2];
}

std::vector<I> resolve_axes(const std::vector<I>& axes, I rank) {
  std::vector<I> resolved;
  for (auto axis : axes) {
    const auto a = axis < 0 ? axis + rank : axis;
    if (a < 0 || a >= rank) {
      throw ModelError("axis " + std::to_string(axis) + " is out of range for rank " +
                       std::to_string(rank));
    }
    if (std::find(resolved.begin(), resolved.end(), a) != resolved.end()) {
      throw ModelError("axis " + std::to_string(axis) + " is given twice");
    }
    resolved.push_back(a);
  }
  std::sort(resolved.begin(), resolved.end());
  return resolved;
}

}  // namespace lumen::onnx_import
