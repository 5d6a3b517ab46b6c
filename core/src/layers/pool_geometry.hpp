#pragma once
// Output size and validation shared by the 2-D pooling layers (internal to the core library).
#include <string>

#include "lumen/backend.hpp"
#include "lumen/layer.hpp"
#include "lumen/layers.hpp"

namespace lumen::layers {

/// Throws InvalidArgument naming the field of `p` that is out of range.
void validate_pool_params(const std::string& op_type, const Pool2dParams& p);
/// "3x3/2 pad 1,1,1,1 dil 1" plus " ceil" and " count_include_pad" when set.
std::string describe_pool(const Pool2dParams& p, bool show_count_include_pad);
/// The geometry of pooling an [N,C,H,W] input, with the PyTorch output rule (in ceil mode the last
/// window must start inside the input or the left padding); throws ShapeError when the window does
/// not fit.
Pool2dGeometry pool_geometry(const Layer& layer, const Pool2dParams& p, const Shape& input);

}  // namespace lumen::layers
