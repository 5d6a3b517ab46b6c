"""`smoothgrad` with noise_level=0 against autograd's input gradient (signed saliency).

SmoothGrad is random and lumen's noise (Context streams) is not PyTorch's, so only the noiseless
case can be compared directly: it checks the wrapping, the base.* parameter pass-through and the
averaging, not the noise.
"""
from ..common import relative_difference

NAME = "smoothgrad"


def check(case):
    expected = case.input_gradient().numpy()
    actual = case.explain("smoothgrad", ["noise_level=0", "samples=4", "base=saliency",
                                         "base.abs=false"])
    return relative_difference(actual, expected)
