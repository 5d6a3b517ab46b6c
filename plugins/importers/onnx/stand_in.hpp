#pragma once
// What takes a refused node's place so that the import can check the nodes after it (internal).
#include "converter.hpp"

namespace lumen::onnx_import {

/// After the node of `ctx` was refused: when its op is element-wise with NumPy broadcasting (Add,
/// Sub, Mul, Div) and its output's shape follows from its inputs', adds a layer of that shape as
/// the node, which the import's later nodes read (Note [every refusal at once]). The layer
/// refuses to run: a graph holding one is never returned. Returns whether it added one.
bool add_stand_in(NodeContext& ctx);

}  // namespace lumen::onnx_import
