"""`eigen-cam relu=false` at lumen's default layer against Eigen-CAM computed in PyTorch.

pytorch-grad-cam's get_2d_projection, in float64: per sample, the maps [K,h,w] as [h*w, K], each
column minus its mean, projected onto the first right singular vector of torch.linalg.svd. That
vector's sign is whatever the solver returns; lumen orients it so that its components sum to a
positive number, and the reference is brought to the same convention before comparing. Then
bilinear upsampling with half-pixel centres, without the final ReLU, which could hide a
difference.
"""
import torch
from torch import nn

from ..common import LumenFailed, relative_difference

NAME = "eigen-cam"


def check(case):
    with torch.no_grad():
        features, _ = case.model.features_and_logits(case.x)
    a = features.double()
    n, k, h, w = a.shape
    projections = []
    for sample in a:
        x = sample.reshape(k, h * w).T
        x = x - x.mean(dim=0)
        _, _, vt = torch.linalg.svd(x, full_matrices=True)
        v = vt[0] if float(vt[0].sum()) >= 0 else -vt[0]
        projections.append((x @ v).reshape(1, h, w))
    cam = torch.stack(projections)
    if float(cam.abs().max()) == 0.0:
        raise LumenFailed("the reference Eigen-CAM map is all zero; the comparison would prove nothing")
    expected = nn.functional.interpolate(cam, size=case.x.shape[2:], mode="bilinear",
                                         align_corners=False)
    return relative_difference(case.explain("eigen-cam", ["relu=false"]), expected.numpy())
