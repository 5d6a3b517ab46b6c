"""`cam` against CAM computed in PyTorch on the ResNet (global average pooling + linear head).

CAM = sum_k fc.weight[c, k] A^k at the pooling's input, signed, then bilinear upsampling with
half-pixel centres. LeNet and VGG do not end in global average pooling + linear: there lumen must
refuse, and saying why (the difference reported is then 0).
"""
import torch
from torch import nn

from ..common import LumenFailed, relative_difference

NAME = "cam"


def check(case):
    if not hasattr(case.model, "fc") or not hasattr(case.model, "pool"):
        try:
            case.explain("cam")
        except LumenFailed as error:
            if "GlobalAveragePool" in str(error):
                return 0.0
            raise
        raise LumenFailed(f"lumen ran cam on {case.name}, which has no global-average-pooling head")
    with torch.no_grad():
        features, _ = case.model.features_and_logits(case.x)
        row = case.model.fc.weight[case.target].view(1, -1, 1, 1)
        cam = (row * features).sum(dim=1, keepdim=True)
        expected = nn.functional.interpolate(cam, size=case.x.shape[2:], mode="bilinear",
                                             align_corners=False)
    return relative_difference(case.explain("cam"), expected.numpy())
