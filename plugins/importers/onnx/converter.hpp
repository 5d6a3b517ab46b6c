#pragma once
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "attributes.hpp"
#include "constant.hpp"
#include "lumen/graph.hpp"
#include "lumen/importer.hpp"

namespace lumen::onnx_import {

struct ImportState;
struct Value;

/// What an op handler sees of the ONNX node it imports, and how it records the result: a layer
/// added to the graph, or a constant folded at import time. Errors are ModelError describing the
/// problem; the caller adds the file, node, op and opset.
class NodeContext {
 public:
  NodeContext(ImportState& state, std::size_t index);

  const onnx::NodeProto& proto() const;
  /// The node's name, or a generated "<op>_<index>" when the file has none.
  const std::string& name() const;
  std::int64_t opset() const;
  const Attributes& attributes() const { return attributes_; }

  /// Number of inputs, not counting trailing omitted ones.
  int input_count() const;
  /// Input i is given (not omitted with an empty name).
  bool has_input(int i) const;
  bool is_constant(int i) const;
  /// Input i as a graph node; throws when it is a constant, omitted, or an NHWC view (which only
  /// the handlers of Note [NHWC views] read, through view_source).
  NodeId activation(int i) const;
  /// Input i is an NHWC tensor of the file that lumen holds in NCHW order (Note [NHWC views]).
  bool is_nhwc_view(int i) const;
  /// The graph node holding input i, in NCHW order when it is an NHWC view.
  NodeId view_source(int i) const;
  /// Input i as a constant; throws when it is computed by the graph or omitted.
  const Constant& constant(int i) const;
  /// The constant a tensor name stands for at this point of the import, or null.
  const Constant* find_constant(const std::string& tensor) const;
  /// Output shape of a graph node for a batch of one ([1, ...]).
  const Shape& shape(NodeId id) const;
  /// The batch size the model was exported with, when its input fixes one.
  std::optional<std::int64_t> static_batch() const;

  /// Output i exists and is read by a node or is the graph output.
  bool output_used(int i) const;
  /// The only reader of output 0 when it has exactly one and is not the graph output.
  const onnx::NodeProto* sole_consumer() const;
  /// The distinct nodes reading `tensor`, in file order, with a null entry when it is the graph
  /// output (for handlers that fuse a chain of nodes).
  std::vector<const onnx::NodeProto*> readers(const std::string& tensor) const;
  /// The constant `tensor` stands for, already known or the value of a Constant node later in the
  /// file; null when it is neither.
  std::shared_ptr<const Constant> constant_ahead(const std::string& tensor) const;
  /// The only reader of `tensor` when it has exactly one and is not the graph output.
  const onnx::NodeProto* sole_reader(const std::string& tensor) const;
  /// The node writing `tensor`, or null for the graph input and initializers.
  const onnx::NodeProto* producer(const std::string& tensor) const;
  /// Whether `node` comes after this node in the file (so it is not imported yet).
  bool comes_later(const onnx::NodeProto& node) const;
  /// Every reader of output 0, whose NHWC shape is `nhwc`, can read it as an NHWC view.
  bool readers_take_nhwc_view(const Shape& nhwc) const;

  /// Adds `layer` reading `inputs` as this node. With `absorbed`, that consumer node is fused into
  /// this one: it is skipped and its output becomes this node's output.
  void add_layer(std::shared_ptr<const Layer> layer, std::vector<NodeId> inputs,
                 const onnx::NodeProto* absorbed = nullptr);
  /// Adds `layer` as this node with the later nodes `absorbed` (not empty) fused into it: they are
  /// skipped and the last one's output becomes this node's output.
  void add_layer(std::shared_ptr<const Layer> layer, std::vector<NodeId> inputs,
                 const std::vector<const onnx::NodeProto*>& absorbed);
  /// Adds `layer` reading `inputs` as an intermediate step of this node (when one ONNX node maps to
  /// several layers); the node is named "<name>/<step>" and stands for no tensor of the file.
  NodeId add_step(std::shared_ptr<const Layer> layer, std::vector<NodeId> inputs,
                  const std::string& step);
  /// Output 0, just added by add_layer, is an NHWC view of the layer's NCHW output.
  void mark_nhwc_view();
  /// Adds `layer` reading `inputs` as output `output` of a node with several (Split): output 0
  /// is named after the node, output i > 0 "<name>/output_<i>".
  void add_output_layer(int output, std::shared_ptr<const Layer> layer, std::vector<NodeId> inputs);
  /// Output `output` (0 unless the node has several) is a value known at import time.
  void set_constant(Constant value, int output = 0);
  /// Output 0 is input i itself (Identity, Dropout on a constant).
  void alias_input(int i);
  /// Output 0 is the NHWC view of input i, an NCHW activation (no node).
  void alias_as_nhwc_view(int i);
  /// Output 0 is the NCHW tensor that view input i holds (no node).
  void alias_view_source(int i);

 private:
  const std::string& input_name(int i) const;
  const Value& input_value(int i) const;

  ImportState& state_;
  std::size_t index_;
  Attributes attributes_;
};

using OpHandler = void (*)(NodeContext&);

/// Handlers by op type (default ONNX domain).
const std::map<std::string, OpHandler>& op_handlers();
/// "Add, AveragePool, ..." for error messages.
std::string supported_op_list();

/// Refuses, in one ModelError listing them grouped by op, every node whose op lumen cannot import
/// (run before the ONNX checker so that the message lists what is supported).
void check_ops_supported(const onnx::GraphProto& graph, std::int64_t opset);

/// Builds the graph of `model` (whose default-domain opset is `opset`) for the input shape
/// `options` asks for when the input leaves dims open, and returns it finalised.
/// Releases each initializer's data once read, so a large model is not held twice. Errors are
/// ModelError without the file name (the caller adds it); the nodes refused for their own reasons
/// are all listed in one (Note [every refusal at once]).
Graph import_graph(onnx::ModelProto& model, std::int64_t opset, const ImportOptions& options);

}  // namespace lumen::onnx_import
