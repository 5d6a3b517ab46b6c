"""`ablation-cam relu=false` at lumen's default layer against Ablation-CAM computed in PyTorch.

The model's features_and_logits gives the feature map A (lumen's default layer); the part of each
reference model after it is its head(), so every ablated score S_c,k is a PyTorch forward
of the head with A^k set to zero. alpha_k = (S_c - S_c,k) / S_c on the target logit, then
sum_k alpha_k A^k and bilinear upsampling with half-pixel centres.
"""
import torch
from torch import nn

from ..common import LumenFailed, relative_difference

NAME = "ablation-cam"


def check(case):
    with torch.no_grad():
        features, logits = case.model.features_and_logits(case.x)
        if float((case.model.head(features) - logits).abs().max()) > 1e-5:
            raise LumenFailed("the head written in the check does not reproduce the model")
        score = logits[:, case.target]
        alphas = []
        for k in range(features.shape[1]):
            ablated = features.clone()
            ablated[:, k] = 0
            alphas.append((score - case.model.head(ablated)[:, case.target]) / score)
        alpha = torch.stack(alphas, dim=1)[:, :, None, None]
        cam = (alpha * features).sum(dim=1, keepdim=True)
    if float(cam.abs().max()) == 0.0:
        raise LumenFailed("the reference Ablation-CAM map is all zero; the comparison would prove "
                          "nothing")
    expected = nn.functional.interpolate(cam, size=case.x.shape[2:], mode="bilinear",
                                         align_corners=False)
    return relative_difference(case.explain("ablation-cam", ["relu=false"]), expected.numpy())
