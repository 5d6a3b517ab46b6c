"""`score-cam relu=false` at lumen's default layer against Score-CAM computed in PyTorch.

H_k = min-max scaled bilinear upsampling (half-pixel centres) of A^k (a constant map gives 0),
alpha_k = softmax(model(x * H_k))[c] - softmax(model(0))[c], then sum_k alpha_k A^k, upsampled.
"""
import torch
from torch import nn

from ..common import LumenFailed, relative_difference

NAME = "score-cam"


def check(case):
    with torch.no_grad():
        features, _ = case.model.features_and_logits(case.x)
        up = nn.functional.interpolate(features, size=case.x.shape[2:], mode="bilinear",
                                       align_corners=False)
        flat = up.flatten(2)
        low = flat.min(dim=2).values[:, :, None, None]
        span = (flat.max(dim=2).values[:, :, None, None] - low)
        masks = torch.where(span > 0, (up - low) / torch.where(span > 0, span, 1.0),
                            torch.zeros_like(up))
        base = torch.softmax(case.model(torch.zeros_like(case.x)), dim=1)[:, case.target]
        alphas = []
        for k in range(features.shape[1]):
            masked = case.x * masks[:, k:k + 1]
            alphas.append(torch.softmax(case.model(masked), dim=1)[:, case.target] - base)
        alpha = torch.stack(alphas, dim=1)[:, :, None, None]
        cam = (alpha * features).sum(dim=1, keepdim=True)
    if float(cam.abs().max()) == 0.0:
        raise LumenFailed("the reference Score-CAM map is all zero; the comparison would prove "
                          "nothing")
    expected = nn.functional.interpolate(cam, size=case.x.shape[2:], mode="bilinear",
                                         align_corners=False)
    return relative_difference(case.explain("score-cam", ["relu=false"]), expected.numpy())
