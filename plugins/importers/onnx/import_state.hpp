#pragma once
// The state of one graph import, shared by the converter and the NHWC analysis (internal).
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "constant.hpp"
#include "lumen/graph.hpp"

namespace lumen::onnx_import {

/// What an ONNX tensor name stands for during the import: a graph node or a constant. With
/// nhwc_view, the file's tensor is NHWC and the node holds it in NCHW order (Note [NHWC views]).
struct Value {
  std::optional<NodeId> node;
  std::shared_ptr<const Constant> constant;
  bool nhwc_view = false;
};

struct ImportState {
  const onnx::GraphProto& proto;
  std::int64_t opset;
  std::optional<std::int64_t> static_batch;
  Graph graph;
  std::unordered_map<std::string, Value> values;
  /// The nodes reading each tensor, by index in proto.
  std::unordered_map<std::string, std::vector<std::size_t>> consumers;
  /// The node writing each tensor, by index in proto.
  std::unordered_map<std::string, std::size_t> producers;
  std::string graph_output;
  std::vector<std::string> names;
  std::vector<bool> absorbed;
};

}  // namespace lumen::onnx_import
