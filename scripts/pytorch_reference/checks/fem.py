"""`fem` at lumen's default layer (the model's features_and_logits features) against FEM computed in
PyTorch: per channel the spatial mean and population standard deviation, the K-sigma mask
A >= mean + K std, the masks weighted by the means and summed, then bilinear upsampling with
half-pixel centres. K = 1 (the default) and K = 0.5.
"""
import torch
from torch import nn

from ..common import LumenFailed, relative_difference

NAME = "fem"


def fem(features, k):
    mean = features.mean(dim=(2, 3), keepdim=True)
    std = features.std(dim=(2, 3), keepdim=True, unbiased=False)
    mask = (features >= mean + k * std).to(features.dtype)
    return (mean * mask).sum(dim=1, keepdim=True)


def check(case):
    with torch.no_grad():
        features, _ = case.model.features_and_logits(case.x)
    worst = 0.0
    for k in (1.0, 0.5):
        layer_map = fem(features.double(), k)
        if float(layer_map.abs().max()) == 0.0:
            raise LumenFailed("the reference FEM map is all zero; the comparison would prove nothing")
        expected = nn.functional.interpolate(layer_map, size=case.x.shape[2:], mode="bilinear",
                                             align_corners=False)
        actual = case.explain("fem", [f"k={k}"])
        worst = max(worst, relative_difference(actual, expected.numpy()))
    return worst
