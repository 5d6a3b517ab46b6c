"""`group-cam groups=4 relu=false` at lumen's default layer against Group-CAM in PyTorch.

alpha_k = spatial mean of d logit_c / d A^k; group g = channels [g K / G, (g+1) K / G);
M_g = ReLU(sum_{k in g} alpha_k A^k), values not above its 70th percentile (torch.quantile, linear)
set to 0; H_g = min-max of F.interpolate(M_g, bilinear, align_corners=False), a constant one
skipped (weight 0); blur = 51x51 Gaussian, sigma 50, reflect padding (F.pad "reflect", as kornia);
w_g = softmax(model(x H_g + blur(x) (1 - H_g)))_c - softmax(model(blur(x)))_c;
L = sum_g w_g (M_g - min H_g) / (max H_g - min H_g), upsampled. Per sample, in float32 for the
model and float64 for the sums.
"""
import math

import torch
from torch import nn

from ..common import LumenFailed, relative_difference

NAME = "group-cam"
GROUPS = 4


def blur(x, kernel=51, sigma=50.0):
    t = torch.arange(kernel, dtype=torch.float64) - kernel // 2
    w = torch.exp(-t ** 2 / (2 * sigma ** 2))
    w = (w / w.sum()).float()
    c = x.shape[1]
    half = kernel // 2
    x = nn.functional.pad(x, (half, half, half, half), mode="reflect")
    x = nn.functional.conv2d(x, w.view(1, 1, 1, -1).repeat(c, 1, 1, 1), groups=c)
    return nn.functional.conv2d(x, w.view(1, 1, -1, 1).repeat(c, 1, 1, 1), groups=c)


def check(case):
    features, logits = case.model.features_and_logits(case.x)
    features.retain_grad()
    logits[:, case.target].sum().backward()
    a = features.detach()
    alpha = features.grad.mean(dim=(2, 3), keepdim=True)
    k = a.shape[1]
    size = case.x.shape[2:]
    cams = []
    with torch.no_grad():
        for s in range(case.x.shape[0]):
            x = case.x[s:s + 1]
            b = blur(x)
            base = torch.softmax(case.model(b), dim=1)[0, case.target].double()
            cam = torch.zeros(a.shape[2:], dtype=torch.float64)
            for g in range(GROUPS):
                lo, hi = g * k // GROUPS, (g + 1) * k // GROUPS
                m = (alpha[s, lo:hi] * a[s, lo:hi]).sum(dim=0).clamp(min=0)
                threshold = torch.quantile(m.flatten(), 0.7)
                m = torch.where(m > threshold, m, torch.zeros_like(m))
                up = nn.functional.interpolate(m[None, None], size=size, mode="bilinear",
                                               align_corners=False)
                low, high = float(up.min()), float(up.max())
                if high == low:
                    continue
                h = (up - low) / (high - low)
                score = torch.softmax(case.model(x * h + b * (1 - h)), dim=1)[0, case.target]
                cam += (score.double() - base) * (m.double() - low) / (high - low)
            cams.append(cam[None])
    cam = torch.stack(cams)
    if float(cam.abs().max()) == 0.0 or not math.isfinite(float(cam.abs().max())):
        raise LumenFailed("the reference Group-CAM map is all zero; the comparison would prove "
                          "nothing")
    expected = nn.functional.interpolate(cam, size=size, mode="bilinear", align_corners=False)
    actual = case.explain("group-cam", [f"groups={GROUPS}", "relu=false"])
    return relative_difference(actual, expected.numpy())
