#pragma once
// Note [NHWC views]
// Keras models exported by tf2onnx keep TensorFlow's NHWC layout at their edges: the input is
// [N, H, W, C] and becomes NCHW through Transpose(perm [0,3,1,2]) before the first Conv, possibly
// after Rescaling/Normalization ops (Mul/Add/Sub/Div by constants), or through a Reshape to
// [N, 1, H, W] when C == 1; GlobalAveragePooling2D may average an NHWC tensor made by
// Transpose(perm [0,2,3,1]) over its axes [1, 2].
// lumen holds such a tensor in NCHW order and records that the file's tensor is its NHWC
// transpose (Value::nhwc_view), so neither transpose costs a node. It does so only when every
// reader of the tensor, followed through the readers that pass a view on, takes it that way:
//  - Transpose: its perm is composed with the view's (an identity result needs no node);
//  - Reshape of an [N, H, W, 1] tensor to [N, 1, H, W]: the same values in the same order;
//  - ReduceMean over axes [1, 2] (H and W): global average pooling of the NCHW tensor;
//  - Add/Sub/Mul/Div with a constant (the constant is transposed to NCHW) and Identity: their
//    output is a view again.
// The graph input is taken as NCHW [C, H, W] when every path from it ends in a conversion to NCHW
// (ViewEnd::to_nchw); an activation's Transpose [0,2,3,1] is a view when its readers accept one
// (ViewEnd::any). Handlers that cannot read a view never receive one: NodeContext::activation
// refuses it.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "constant.hpp"

namespace lumen::onnx_import {

struct ImportState;

/// Which readers may end a chain of views (Note [NHWC views]).
enum class ViewEnd {
  to_nchw,  ///< Transpose [0,3,1,2] or the C == 1 Reshape only
  any,      ///< also other Transposes and ReduceMean over [1, 2]
};

/// Whether every reader of `tensor`, an NHWC tensor of shape `nhwc` ([1, H, W, C]), takes it as a
/// view held in NCHW order.
bool readers_take_nhwc_view(const ImportState& state, const std::string& tensor, const Shape& nhwc,
                            ViewEnd end);
/// The NHWC shape [n, H, W, C] of an NCHW shape [n, C, H, W].
Shape nhwc_of(const Shape& nchw);
/// The perm that, on a view's NCHW data, gives what Transpose(perm) gives on the NHWC tensor.
std::vector<std::int64_t> perm_on_nchw(const std::vector<std::int64_t>& perm);
/// `c` broadcast against an NHWC tensor, rearranged to broadcast the same way against its NCHW
/// data (constants of rank above 4 are returned unchanged, for the layer to refuse).
Constant constant_for_nchw(const Constant& c);
/// Whether Reshape(target) of an NHWC tensor of shape `nhwc` with C == 1 yields its NCHW data.
bool reshapes_to_nchw(const std::vector<std::int64_t>& target, const Shape& nhwc,
                      std::optional<std::int64_t> static_batch);
/// The axes normalised against `rank` (negative counted from the end), sorted; throws ModelError
/// for an axis out of range or given twice.
std::vector<std::int64_t> resolve_axes(const std::vector<std::int64_t>& axes, std::int64_t rank);

}  // namespace lumen::onnx_import
