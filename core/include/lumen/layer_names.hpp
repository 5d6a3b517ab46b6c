#pragma once
/// The names a user gives a layer: a node's name or output tensor in the model file, or the path
/// of the PyTorch module that made it ("layer4", "features.29"), read from the scopes
/// torch.onnx.export writes into node names ("/layer4/layer4.1/relu_1/Relu").
#include <string>
#include <string_view>
#include <vector>

#include "lumen/export.hpp"
#include "lumen/graph.hpp"

namespace lumen {

/// The module path of a node exported by torch.onnx: its scopes joined with dots, the way
/// `model.named_modules()` spells them ("/layer4/layer4.1/relu_1/Relu" -> "layer4.1.relu_1",
/// "/features/features.29/Relu" -> "features.29"); empty for a name without scopes ("conv1",
/// "/Flatten"). A module called more than once gets torch's call suffix ("relu_1").
LUMEN_API std::string module_path(std::string_view node_name);

/// The node `name` stands for: a node or its output tensor (Graph::find), else a PyTorch module
/// path ("layer4"), which stands for the module's output: the last node inside it in topological
/// order. Throws NotFound listing the closest node names and module paths.
LUMEN_API NodeId resolve_layer(const Graph& graph, std::string_view name);

/// Up to `count` names of `candidates` closest to `name` (edit distance, then order), for "did you
/// mean" lists.
LUMEN_API std::vector<std::string> closest_names(std::string_view name,
                                                 const std::vector<std::string>& candidates,
                                                 std::size_t count);

}  // namespace lumen
