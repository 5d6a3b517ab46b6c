#pragma once
// A local layer's output over a rectangle, computed from crops of its inputs by the layer's own
// kernel, for several windows in one call.
#include <lumen/backend.hpp>
#include <lumen/graph.hpp>
#include <vector>

#include "cone.hpp"
#include "local_layers.hpp"

namespace lumen::occlusion {

/// The output of `node` (described by `layer`, of kind window or pointwise) over rectangle
/// outs[g] for each of G windows at once; the rectangles have one size and their inputs one
/// padding (input_rect's pads). crops[i] holds the node's input i over input_rect(layer, outs[g])
/// for each window g, stacked along the batch axis: [G, C_i, h, w]. Returns [G, C, rows, cols],
/// equal to the same positions of the layer's forward on whole inputs: window layers run the
/// backend's convolution or pooling with the padding the crops reach into (zeros for a
/// convolution; never the maximum; an average's divisor as the layer counts it), pointwise layers
/// their own forward.
Tensor layer_patches(const Node& node, const LocalLayer& layer, const std::vector<Rect>& outs,
                     const std::vector<Tensor>& crops, const Backend& backend);

}  // namespace lumen::occlusion
