"""`smooth-grad-cam-pp noise_level=0` at lumen's default layer against Grad-CAM++ in PyTorch.

Smooth Grad-CAM++ is random and lumen's noise (Context streams) is not PyTorch's, so only the
noiseless case can be compared directly: every copy is then the clean input, the averaged terms
D1, D2, D3 are g, g^2, g^3, and the map is pytorch-grad-cam's Grad-CAM++ (relu=false, float64):
a_ij = D2 / (2 D2 + (sum_ab A_ab) D3 + 1e-6), 0 where D2 = 0; w_k = sum_ij a_ij ReLU(D1_ij).
It checks the batching of the copies, the averaging and the weights, not the noise.
"""
import torch
from torch import nn

from ..common import LumenFailed, relative_difference

NAME = "smooth-grad-cam-pp"


def check(case):
    features, logits = case.model.features_and_logits(case.x)
    features.retain_grad()
    logits[:, case.target].sum().backward()
    a = features.detach().double()
    g = features.grad.double()
    d1, d2, d3 = g, g ** 2, g ** 3
    total = a.sum(dim=(2, 3), keepdim=True)
    alpha = d2 / (2 * d2 + total * d3 + 1e-6)
    alpha = torch.where(d2 != 0, alpha, torch.zeros_like(alpha))
    weights = (alpha * d1.clamp(min=0)).sum(dim=(2, 3), keepdim=True)
    cam = (weights * a).sum(dim=1, keepdim=True)
    if float(cam.abs().max()) == 0.0:
        raise LumenFailed("the reference map is all zero; the comparison would prove nothing")
    expected = nn.functional.interpolate(cam, size=case.x.shape[2:], mode="bilinear",
                                         align_corners=False)
    actual = case.explain("smooth-grad-cam-pp",
                          ["relu=false", "noise_level=0", "samples=3", "batch_size=2"])
    return relative_difference(actual, expected.numpy())
