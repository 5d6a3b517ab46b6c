#pragma once
// Incremental occlusion: the target logit of each occluded image, from the un-occluded image's
// activations, recomputing only each window's cone (Krypton, Nakandala et al., SIGMOD 2019).
#include <lumen/context.hpp>
#include <lumen/explainer.hpp>
#include <vector>

#include "cone.hpp"
#include "jobs.hpp"
#include "local_layers.hpp"
#include "sliding_windows.hpp"

namespace lumen::occlusion {

/// The target logits of every sample of the request, un-occluded and with each window replaced by
/// `baseline`, from one forward pass that keeps every node's output: each chunk of windows
/// recomputes only the cones `planner` plans for it (local layers: the rectangle of positions a
/// window changes, computed by the layer's kernel from crops of its inputs, several windows per
/// call where the rectangles have one size and padding; dense nodes: the layer's forward on the
/// chunk's windows stacked along the batch). Equals plain occlusion to float rounding. Counts
/// 1 + ceil(planned_flops / planner.plain_flops()) forward passes per sample, `planned_flops`
/// being the FLOPs of one sample's chunks.
Logits incremental_occlusion(const ExplainRequest& request, const SlidingWindows& windows,
                             const std::vector<LocalLayer>& layers, const ConePlanner& planner,
                             double planned_flops, const Jobs& jobs, float baseline,
                             Context& context);

}  // namespace lumen::occlusion
