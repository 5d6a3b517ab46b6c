"""`xgrad-cam relu=false` at lumen's default layer against XGrad-CAM computed in PyTorch.

alpha_k = sum_ij A^k_ij / (sum_ab A^k_ab + 1e-7) * d logit / d A^k_ij, sum_k alpha_k A^k, then
bilinear upsampling with half-pixel centres. Without the final ReLU, which could hide a
difference.
"""
from torch import nn

from ..common import LumenFailed, relative_difference

NAME = "xgrad-cam"


def check(case):
    features, logits = case.model.features_and_logits(case.x)
    features.retain_grad()
    logits[:, case.target].sum().backward()
    a = features.detach()
    total = a.sum(dim=(2, 3), keepdim=True)
    alpha = (a * features.grad).sum(dim=(2, 3), keepdim=True) / (total + 1e-7)
    cam = (alpha * a).sum(dim=1, keepdim=True)
    if float(cam.abs().max()) == 0.0:
        raise LumenFailed("the reference XGrad-CAM map is all zero; the comparison would prove nothing")
    expected = nn.functional.interpolate(cam, size=case.x.shape[2:], mode="bilinear",
                                         align_corners=False)
    return relative_difference(case.explain("xgrad-cam", ["relu=false"]), expected.numpy())
