"""`grad-cam-pp relu=false` at lumen's default layer against Grad-CAM++ computed in PyTorch.

pytorch-grad-cam's form: a_ij = g^2 / (2 g^2 + (sum_ab A_ab) g^3 + 1e-6), 0 where g = 0;
w_k = sum_ij a_ij ReLU(g_ij); sum_k w_k A^k, then bilinear upsampling with half-pixel centres.
Without the final ReLU, which could hide a difference. Computed in float64.
"""
import torch
from torch import nn

from ..common import LumenFailed, relative_difference

NAME = "grad-cam-pp"


def check(case):
    features, logits = case.model.features_and_logits(case.x)
    features.retain_grad()
    logits[:, case.target].sum().backward()
    a = features.detach().double()
    g = features.grad.double()
    total = a.sum(dim=(2, 3), keepdim=True)
    alpha = g ** 2 / (2 * g ** 2 + total * g ** 3 + 1e-6)
    alpha = torch.where(g != 0, alpha, torch.zeros_like(alpha))
    weights = (alpha * g.clamp(min=0)).sum(dim=(2, 3), keepdim=True)
    cam = (weights * a).sum(dim=1, keepdim=True)
    if float(cam.abs().max()) == 0.0:
        raise LumenFailed("the reference Grad-CAM++ map is all zero; the comparison would prove nothing")
    expected = nn.functional.interpolate(cam, size=case.x.shape[2:], mode="bilinear",
                                         align_corners=False)
    return relative_difference(case.explain("grad-cam-pp", ["relu=false"]), expected.numpy())
