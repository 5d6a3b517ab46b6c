#pragma once
// Plain occlusion: a forward pass of the occluded copies of the image per chunk of windows.
#include <lumen/context.hpp>
#include <lumen/explainer.hpp>

#include "jobs.hpp"
#include "sliding_windows.hpp"

namespace lumen::occlusion {

/// The target logits of every sample of the request, un-occluded and with each window replaced by
/// `baseline`: one forward pass of the image, then one of each chunk's occluded copies (counted:
/// 1 + windows passes per sample).
Logits plain_occlusion(const ExplainRequest& request, const SlidingWindows& windows,
                       const Jobs& jobs, float baseline, Context& context);

}  // namespace lumen::occlusion
