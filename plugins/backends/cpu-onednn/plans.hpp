#pragma once
// oneDNN primitives for one convolution problem, and the reorders between lumen's plain layouts
// and the layouts the primitive prefers.
#include <cstdint>
#include <oneapi/dnnl/dnnl.hpp>
#include <optional>
#include <unordered_map>

#include "lumen/backend.hpp"

namespace lumen::cpu_onednn {

/// One operand of a primitive: lumen's plain layout (possibly a strided slice of a larger
/// tensor) and, when the primitive wants another layout, the reorder between the two in the
/// direction the data flows.
struct Operand {
  dnnl::memory::desc plain, internal;
  std::optional<dnnl::reorder> convert;
  dnnl::memory::desc convert_scratchpad;
};

/// A primitive with its operands (by DNNL_ARG_*) and scratchpad size. Immutable once made.
struct Plan {
  dnnl::primitive primitive;
  dnnl::memory::desc scratchpad;
  std::unordered_map<int, Operand> operands;
};

/// A part of a convolution: `part` is its geometry (a block of samples, a slice of the channels
/// it computes, a band of rows with the padding the band sees) and `whole` the convolution's, whose
/// tensors the part's operands are strided views into.
///
/// y[:, slice, band] = conv(x[:, :, rows], w[slice]): the part's output is a slice of the
/// output's channels and a band of its rows; bias is a slice too.
Plan forward_plan(const Conv2dGeometry& part, const Conv2dGeometry& whole, bool bias,
                  const dnnl::engine& engine);
/// dx[:, slice, band] = conv_backward_data(dy[:, :, rows], w[:, slice]).
Plan backward_data_plan(const Conv2dGeometry& part, const Conv2dGeometry& whole,
                        const dnnl::engine& engine);
/// dw, db for the whole convolution.
Plan backward_weights_plan(const Conv2dGeometry& g, bool bias, const dnnl::engine& engine);

}  // namespace lumen::cpu_onednn
