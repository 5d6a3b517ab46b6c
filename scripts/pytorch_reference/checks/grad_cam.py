"""`grad-cam relu=false` at lumen's default layer against Grad-CAM computed in PyTorch.

The model's features_and_logits gives the last convolution-like feature map before the logits (lumen's
default layer): alpha_k = spatial mean of d logit / d A^k, sum_k alpha_k A^k, then bilinear
upsampling with half-pixel centres. Without the final ReLU, which can zero a whole map and hide
a difference.
"""
import torch
from torch import nn

from ..common import LumenFailed, relative_difference

NAME = "grad-cam"


def check(case):
    features, logits = case.model.features_and_logits(case.x)
    features.retain_grad()
    logits[:, case.target].sum().backward()
    alpha = features.grad.mean(dim=(2, 3), keepdim=True)
    cam = (alpha * features).sum(dim=1, keepdim=True)
    if float(cam.abs().max()) == 0.0:
        raise LumenFailed("the reference Grad-CAM map is all zero; the comparison would prove nothing")
    expected = nn.functional.interpolate(cam, size=case.x.shape[2:], mode="bilinear",
                                         align_corners=False)
    return relative_difference(case.explain("grad-cam", ["relu=false"]),
                               expected.detach().numpy())
