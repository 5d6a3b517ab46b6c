"""`integrated-gradients` with riemann-trapezoid, 50 steps and a zero baseline against the
definition computed with autograd at the same points: Captum's riemann_trapezoid puts the points
at k/(n-1), k = 0..n-1, with weights 1/(n-1), halved at both ends.

The first point is the baseline itself, x' = 0. There every convolution outputs its bias, equal
over each plane, so max-pooling windows hold exact ties that each library's float rounding in the
next layers breaks its own way (LeNet: the gradients at 0 differ by ~50%). That gradient is a
property of the degenerate point, not of Integrated Gradients, so the reference takes the
alpha = 0 term from lumen's own saliency at x' (its weight is 1/98) and computes the other 49
with autograd.
"""
import dataclasses
import os

import numpy as np
import torch

from ..common import relative_difference

NAME = "integrated-gradients"
STEPS = 50


def check(case):
    baseline = torch.zeros_like(case.x)
    baseline_file = os.path.join(case.directory, "ig-zero-baseline.npy")
    np.save(baseline_file, baseline.numpy())
    at_baseline = dataclasses.replace(case, x=baseline, input_file=baseline_file)
    total = torch.zeros_like(case.x, dtype=torch.float64)
    for k in range(STEPS):
        alpha = k / (STEPS - 1)
        weight = (0.5 if k in (0, STEPS - 1) else 1.0) / (STEPS - 1)
        if k == 0:
            gradient = torch.from_numpy(at_baseline.explain("saliency", ["abs=false"]))
        else:
            gradient = case.input_gradient(x=baseline + alpha * (case.x - baseline)).double()
        total += weight * gradient
    expected = ((case.x - baseline).double() * total).numpy()
    actual = case.explain("integrated-gradients",
                          ["quadrature=riemann-trapezoid", f"steps={STEPS}", "baseline=zeros"])
    return relative_difference(actual, expected)
