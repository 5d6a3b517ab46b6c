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

/// y[:, slice] = conv(x, w[slice]) for a part of a convolution: `part` is the geometry of the
/// part (its batch and output channels), `out_channels` those of the whole output, whose planes
/// the part's output is a slice of. Bias is a slice too.
Plan forward_plan(const Conv2dGeometry& part, std::int64_t out_channels, bool bias,
                  const dnnl::engine& engine);
/// dx[:, slice] = conv_backward_data(dy, w[:, slice]): `part` has the part's input channels,
/// `in_channels` is the whole input's.
Plan backward_data_plan(const Conv2dGeometry& part, std::int64_t in_channels,
                        const dnnl::engine& engine);
/// dw, db for the whole convolution.
Plan backward_weights_plan(const Conv2dGeometry& g, bool bias, const dnnl::engine& engine);

}  // namespace lumen::cpu_onednn
