#pragma once
/// The op handlers: each imports one ONNX op type (see op_table.cpp).
#include <unordered_set>

#include "converter.hpp"

namespace lumen::onnx_import {

// Convolution and pooling (ops_window.cpp).
void import_conv(NodeContext& ctx);
void import_conv_transpose(NodeContext& ctx);
void import_max_pool(NodeContext& ctx);
void import_average_pool(NodeContext& ctx);
void import_global_average_pool(NodeContext& ctx);

// Fully connected (ops_dense.cpp).
void import_gemm(NodeContext& ctx);
void import_matmul(NodeContext& ctx);

// Element-wise activations (ops_activations.cpp).
void import_relu(NodeContext& ctx);
void import_leaky_relu(NodeContext& ctx);
void import_sigmoid(NodeContext& ctx);
void import_tanh(NodeContext& ctx);
void import_clip(NodeContext& ctx);
void import_hard_sigmoid(NodeContext& ctx);
void import_hard_swish(NodeContext& ctx);

// Element-wise mathematical functions (ops_math.cpp).
void import_erf(NodeContext& ctx);
void import_sqrt(NodeContext& ctx);
void import_pow(NodeContext& ctx);
void import_reciprocal(NodeContext& ctx);
void import_exp(NodeContext& ctx);
void import_abs(NodeContext& ctx);
void import_neg(NodeContext& ctx);

// Normalisation, softmax and identities (ops_elementwise.cpp).
void import_batch_norm(NodeContext& ctx);
void import_lrn(NodeContext& ctx);

// Layer normalisation, as one op or decomposed (ops_layer_norm.cpp).
void import_layer_norm(NodeContext& ctx);
/// Imports the decomposed layer norm starting at this ReduceMean node as one layer and returns
/// true, or returns false (and adds nothing) when the nodes after it do not form one.
bool import_layer_norm_chain(NodeContext& ctx);
/// The nodes after the first ReduceMean of every decomposed layer norm of `graph`, found by their
/// structure alone (Note [decomposed layer norm]): the check for unsupported ops skips them.
std::unordered_set<const onnx::NodeProto*> layer_norm_chain_nodes(const onnx::GraphProto& graph);
void import_softmax(NodeContext& ctx);
void import_dropout(NodeContext& ctx);
void import_identity(NodeContext& ctx);

// Arithmetic with constants (ops_arithmetic.cpp).
void import_add(NodeContext& ctx);
void import_sub(NodeContext& ctx);
void import_mul(NodeContext& ctx);
void import_div(NodeContext& ctx);

// Axes and layout (ops_layout.cpp).
void import_transpose(NodeContext& ctx);
void import_reduce_mean(NodeContext& ctx);
void import_squeeze(NodeContext& ctx);
void import_unsqueeze(NodeContext& ctx);
void import_cast(NodeContext& ctx);

// Shape and layout (ops_structural.cpp).
void import_flatten(NodeContext& ctx);
void import_reshape(NodeContext& ctx);
void import_concat(NodeContext& ctx);
void import_pad(NodeContext& ctx);

// Import-time constants (ops_folding.cpp).
void import_constant(NodeContext& ctx);
/// The value of a Constant node with these attributes.
Constant constant_node_value(const Attributes& attributes);
void import_shape(NodeContext& ctx);

// Constant positions along an axis, of activations or constants (ops_selection.cpp).
void import_slice(NodeContext& ctx);
void import_split(NodeContext& ctx);
void import_gather(NodeContext& ctx);

// Resizing H and W (ops_resize.cpp).
void import_upsample(NodeContext& ctx);
void import_resize(NodeContext& ctx);

}  // namespace lumen::onnx_import
