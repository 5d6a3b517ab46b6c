"""`guided-backprop` against the input gradient of the target logit with every ReLU replaced by
guided backpropagation's: the upstream gradient where the ReLU's input was positive and the
gradient is positive (Captum's GuidedBackprop, which overrides only the ReLUs).

The models call ReLU both as nn.ReLU modules (VGG, the ResNet stem) and as torch.relu (LeNet,
the ResNet blocks), so the reference swaps both for an autograd Function while it runs.
"""
import contextlib

import torch
from torch import nn

from ..common import LumenFailed, relative_difference

NAME = "guided-backprop"


class _GuidedRelu(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad.clamp(min=0) * (x > 0).to(grad.dtype)


@contextlib.contextmanager
def relu_replaced(function):
    """Every torch.relu and nn.ReLU call inside the block runs `function` instead, and the count
    of such calls is recorded in the yielded list (so a model whose ReLUs escaped is noticed)."""
    calls = []

    def relu(x, *args, **kwargs):
        calls.append(1)
        return function.apply(x)

    saved_relu, saved_module = torch.relu, nn.ReLU.forward
    torch.relu = relu
    nn.ReLU.forward = lambda self, x: relu(x)
    try:
        yield calls
    finally:
        torch.relu, nn.ReLU.forward = saved_relu, saved_module


def modified_gradient(case, function):
    """d logit[target] / d input with every ReLU's backward replaced by `function`'s."""
    x = case.x.clone().requires_grad_(True)
    with relu_replaced(function) as calls:
        case.model(x)[:, case.target].sum().backward()
    if not calls:
        raise LumenFailed("the reference replaced no ReLU; it would equal the gradient")
    return x.grad


def guided_gradient(case):
    return modified_gradient(case, _GuidedRelu)


def check(case):
    expected = guided_gradient(case).numpy()
    return relative_difference(case.explain("guided-backprop"), expected)
