"""`deeplift` (rule=rescale) against Captum's DeepLift semantics written in plain PyTorch (Captum
is not installed here).

As Captum does, the reference runs the input x and the reference x0 as one batch [x; x0] and
overrides the backward of every non-linearity, each half receiving the same multiplier:
- ReLU (torch.relu and nn.ReLU): grad * Δy/Δx, the plain gradient where |Δx| < 1e-10;
- max-pooling (F.max_pool2d and nn.MaxPool2d): each window's Δy = y - y0 goes to the winner of x
  when y >= y0 and to the winner of x0 otherwise (Captum's max(y, y0) split scattered with
  max_unpool), summed over both halves and divided by Δx there, the plain gradient where
  |Δx| < 1e-10.
The attribution is (x - x0) times the gradient of the target logits summed over the 2N rows with
respect to x.

The references are seeded random images (x0 = 0.5 * noise, one per sample, and a single one shared
by the batch), written as .npy. A constant reference makes every plane after the first
convolution constant, so its max-pooling windows hold exact ties that each library's float
rounding breaks its own way; the window's difference then lands on another (equally valid)
winner of x0 (LeNet: up to 4% apart with the constant references 0 and 0.5). That is a property
of the degenerate reference, not of the rule.
"""
import contextlib
import os

import numpy as np
import torch
from torch import nn

from ..common import LumenFailed, relative_difference

NAME = "deeplift"
EPS = 1e-10


def _halves_delta(t):
    n = t.shape[0] // 2
    d = t[:n] - t[n:]
    return torch.cat([d, d])


class _RescaleRelu(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        y = x.clamp(min=0)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        dx, dy = _halves_delta(x), _halves_delta(y)
        plain = grad * (x > 0).to(grad.dtype)
        return torch.where(dx.abs() < EPS, plain, grad * dy / dx)


def _rescale_max_pool(original):
    class RescaleMaxPool(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, kernel, stride, padding, dilation, ceil_mode):
            y, indices = original(x, kernel, stride, padding, dilation, ceil_mode, True)
            ctx.save_for_backward(x, y, indices)
            ctx.geometry = (kernel, stride, padding)
            return y

        @staticmethod
        def backward(ctx, grad):
            x, y, indices = ctx.saved_tensors
            kernel, stride, padding = ctx.geometry
            n = y.shape[0] // 2
            y_x, y_ref = y[:n], y[n:]
            high = torch.max(y_x, y_ref)
            delta_out = torch.cat([high - y_ref, y_x - high])

            def unpool(values):
                return nn.functional.max_unpool2d(values, indices, kernel, stride, padding,
                                                  output_size=x.shape[2:])

            scattered = unpool(grad * delta_out)
            total = scattered[:n] + scattered[n:]
            total = torch.cat([total, total])
            dx = _halves_delta(x)
            return torch.where(dx.abs() < EPS, unpool(grad), total / dx), None, None, None, None, None

    return RescaleMaxPool


@contextlib.contextmanager
def rescale_rules():
    """Every ReLU and 2-D max-pool inside the block uses the Rescale rule; yields the call count."""
    calls = []
    saved = (torch.relu, nn.ReLU.forward, nn.functional.max_pool2d, nn.MaxPool2d.forward)
    pool = _rescale_max_pool(saved[2])

    def relu(x, *args, **kwargs):
        calls.append("relu")
        return _RescaleRelu.apply(x)

    def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                   return_indices=False):
        calls.append("pool")
        return pool.apply(x, kernel_size, stride if stride is not None else kernel_size, padding,
                          dilation, ceil_mode)

    torch.relu = relu
    nn.ReLU.forward = lambda self, x: relu(x)
    nn.functional.max_pool2d = max_pool2d
    nn.MaxPool2d.forward = lambda self, x: max_pool2d(x, self.kernel_size, self.stride,
                                                      self.padding, self.dilation, self.ceil_mode)
    try:
        yield calls
    finally:
        torch.relu, nn.ReLU.forward, nn.functional.max_pool2d, nn.MaxPool2d.forward = saved


def deeplift_rescale(case, baseline):
    x = case.x.clone().requires_grad_(True)
    with rescale_rules() as calls:
        case.model(torch.cat([x, baseline]))[:, case.target].sum().backward()
    if "relu" not in calls:
        raise LumenFailed("the reference replaced no ReLU; it would equal input x gradient")
    return ((case.x - baseline) * x.grad).numpy()


def check(case):
    rng = np.random.default_rng(7)
    worst = 0.0
    for shape in (case.x.shape, (1,) + tuple(case.x.shape[1:])):
        reference = (0.5 * rng.standard_normal(shape)).astype(np.float32)
        path = os.path.join(case.directory, f"deeplift-reference-{shape[0]}.npy")
        np.save(path, reference)
        expected = deeplift_rescale(case, torch.from_numpy(reference).expand_as(case.x))
        actual = case.explain("deeplift", ["rule=rescale", "baseline=npy",
                                           f"baseline_file={path}"])
        worst = max(worst, relative_difference(actual, expected))
    return worst
