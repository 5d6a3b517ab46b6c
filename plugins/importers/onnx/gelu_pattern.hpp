#pragma once
// GELU written out in elementary ops, as PyTorch exports nn.GELU before ONNX had a Gelu op,
// recognised so that it imports as one activation (Note [GELU patterns] in gelu_pattern.cpp).
#include "converter.hpp"

namespace lumen::onnx_import {

/// When the node of `ctx` starts a GELU pattern (its first node in the file), adds the Gelu layer
/// in place of the whole pattern and returns true; otherwise changes nothing and returns false.
bool fuse_gelu(NodeContext& ctx);

}  // namespace lumen::onnx_import
