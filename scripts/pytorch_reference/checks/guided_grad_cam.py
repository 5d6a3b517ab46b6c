"""`guided-grad-cam relu=false` against guided backpropagation (guided_backprop.py) times
Grad-CAM without its final ReLU (as grad_cam.py, and Captum's GuidedGradCam, whose LayerGradCam
does not rectify by default), upsampled bilinearly with half-pixel centres and broadcast over
the input's channels."""
from torch import nn

from ..common import LumenFailed, relative_difference
from .guided_backprop import guided_gradient

NAME = "guided-grad-cam"


def check(case):
    features, logits = case.model.features_and_logits(case.x)
    features.retain_grad()
    logits[:, case.target].sum().backward()
    alpha = features.grad.mean(dim=(2, 3), keepdim=True)
    cam = (alpha * features).sum(dim=1, keepdim=True)
    up = nn.functional.interpolate(cam, size=case.x.shape[2:], mode="bilinear",
                                   align_corners=False)
    expected = (guided_gradient(case) * up).detach().numpy()
    if float(abs(expected).max()) == 0.0:
        raise LumenFailed("the reference map is all zero; the comparison would prove nothing")
    return relative_difference(case.explain("guided-grad-cam", ["relu=false"]), expected)
