"""`hires-cam relu=false` at lumen's default layer against HiResCAM computed in PyTorch.

sum_k d logit / d A^k_ij * A^k_ij (pytorch-grad-cam's HiResCAM before its ReLU), then bilinear
upsampling with half-pixel centres. Without the final ReLU, which could hide a difference.
"""
from torch import nn

from ..common import LumenFailed, relative_difference

NAME = "hires-cam"


def check(case):
    features, logits = case.model.features_and_logits(case.x)
    features.retain_grad()
    logits[:, case.target].sum().backward()
    cam = (features.grad * features.detach()).sum(dim=1, keepdim=True)
    if float(cam.abs().max()) == 0.0:
        raise LumenFailed("the reference HiResCAM map is all zero; the comparison would prove nothing")
    expected = nn.functional.interpolate(cam, size=case.x.shape[2:], mode="bilinear",
                                         align_corners=False)
    return relative_difference(case.explain("hires-cam", ["relu=false"]), expected.numpy())
