"""`occlusion` against occlusion computed directly in PyTorch with Captum's sliding windows.

Along each axis of (C, H, W) a window of size k with stride s starts at 0, s, 2s, ... for
ceil((D - k) / s) + 1 positions, the last one cut at the edge; each window is filled with the
baseline, and every value gets the mean over its windows of logit(x) - logit(x occluded).
Two settings: an h,w window spanning the channels with stride = window, and a c,h,w window whose
overlapping positions leave a cut window at the edges.
"""
import math

import torch

from ..common import relative_difference

NAME = "occlusion"

SETTINGS = [((3, 4, 4), (1, 4, 4), "4,4", "4,4", 0.0),
            ((1, 6, 6), (1, 4, 4), "1,6,6", "1,4,4", 0.5)]


def starts(size, window, stride):
    return [i * stride for i in range(math.ceil((size - window) / stride) + 1)]


def occlusion(model, x, target, window, stride, baseline):
    with torch.no_grad():
        reference = model(x)[:, target]
        total = torch.zeros_like(x, dtype=torch.float64)
        count = torch.zeros_like(x, dtype=torch.float64)
        axes = [starts(d, k, s) for d, k, s in zip(x.shape[1:], window, stride)]
        for c in axes[0]:
            for y in axes[1]:
                for z in axes[2]:
                    region = (slice(None), slice(c, c + window[0]), slice(y, y + window[1]),
                              slice(z, z + window[2]))
                    occluded = x.clone()
                    occluded[region] = baseline
                    drop = (reference - model(occluded)[:, target]).double()
                    total[region] += drop.view(-1, 1, 1, 1)
                    count[region] += 1
        return (total / count).numpy()


def check(case):
    worst = 0.0
    for window, stride, window_text, stride_text, baseline in SETTINGS:
        expected = occlusion(case.model, case.x, case.target, window, stride, baseline)
        actual = case.explain("occlusion", [f"window={window_text}", f"stride={stride_text}",
                                            f"baseline={baseline}"])
        worst = max(worst, relative_difference(actual, expected))
    return worst
