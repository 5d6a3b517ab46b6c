#pragma once
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lumen/export.hpp"
#include "lumen/layer.hpp"
#include "lumen/tensor.hpp"

namespace lumen {

using NodeId = std::size_t;

/// One operation in the model graph.
struct Node {
  NodeId id = 0;
  std::string name;         ///< the node's name in the model file (unique in the graph)
  std::string output_name;  ///< the name of the tensor it produces in the model file
  std::shared_ptr<const Layer> layer;
  std::vector<NodeId> inputs;  ///< producers of its inputs, in order
  Shape output_shape;          ///< for a batch of one sample
};

/// The model's computation as a DAG (Boost.Graph underneath). Built by adding nodes whose inputs
/// already exist, then finalised once, which fixes the topological order. Immutable afterwards;
/// all const methods are thread-safe.
class LUMEN_API Graph {
 public:
  Graph();
  ~Graph();
  Graph(Graph&&) noexcept;
  Graph& operator=(Graph&&) noexcept;

  /// Adds the input placeholder; sample_shape excludes the batch ([C,H,W]).
  NodeId add_input(std::string name, const Shape& sample_shape);
  /// Adds a node computing `layer` on the outputs of `inputs`; infers its output shape and throws
  /// ShapeError / InvalidArgument naming the node when something does not fit.
  NodeId add_node(std::string name, std::string output_name, std::shared_ptr<const Layer> layer,
                  std::vector<NodeId> inputs);
  /// Marks the model's output and computes the topological order (throws on a cycle).
  void finalize(NodeId output);

  std::size_t size() const;
  const Node& node(NodeId id) const;
  NodeId input() const;
  NodeId output() const;
  /// Nodes in an order where every node comes after its inputs (input first).
  const std::vector<NodeId>& topological_order() const;
  /// Nodes that read the output of `id`.
  const std::vector<NodeId>& consumers(NodeId id) const;
  /// A node by its name or by the name of the tensor it outputs.
  std::optional<NodeId> find(std::string_view name_or_output) const;
  /// Like find, but throws NotFound listing a few valid names.
  NodeId at(std::string_view name_or_output) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lumen
