"""`deconvnet` against the input gradient of the target logit with every ReLU's backward
replaced by max(0, upstream) whatever its input was (Captum's Deconvolution, which overrides only
the ReLUs; max-pooling and convolutions keep their gradients). Every ReLU of the three models is
swapped as in guided_backprop.py."""
import torch

from ..common import relative_difference
from .guided_backprop import modified_gradient

NAME = "deconvnet"


class _DeconvRelu(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, grad):
        return grad.clamp(min=0)


def check(case):
    expected = modified_gradient(case, _DeconvRelu).numpy()
    return relative_difference(case.explain("deconvnet"), expected)
