"""`lrp` with each composite against Zennit's rule definitions written in plain PyTorch (Zennit is
not installed here).

The reference follows zennit/rules.py and zennit/composites.py (Zennit 0.5):
- the model is canonized first: every BatchNorm2d is folded into the convolution before it
  (weights a_c W_c, bias a_c b_c + shift_c) and replaced by an identity (Zennit's
  SequentialMergeBatchNorm);
- relevance starts as a one-hot 1 at the target logit (Zennit's default); every convolution,
  linear and average-pooling module gets a rule through a custom autograd function whose backward
  computes the rule with the gradient trick (modified forward z = rho(W) x, then
  R_in = x * d(z . stop_gradient(R / stabilize(z))) / dx, summed over the rule's input/parameter
  modifiers); ReLUs pass relevance through (Pass); max-pooling, flatten and views keep their
  gradient; the residual addition splits relevance in proportion to its inputs (Zennit's Sum with
  Norm), stabilised with lumen engine's 1e-9 (SUM_STABILISER) instead of Norm's 1e-6: with 1e-6
  the ResNet differs by up to 8.7e-4 (measured), all of it from that stabiliser;
- layer maps: EpsilonPlus (conv ZPlus, linear Epsilon), EpsilonAlpha2Beta1 (conv AlphaBeta(2, 1),
  linear Epsilon), EpsilonPlusFlat and EpsilonAlpha2Beta1Flat (first conv or linear Flat, then
  as EpsilonPlus or EpsilonAlpha2Beta1),
  EpsilonGammaBox (first conv ZBox(low, high), other convs Gamma(0.25), linear Epsilon); average
  pooling Norm everywhere; epsilon = 1e-6, stabilize(z) = z + (sign(z) + [z == 0]) * 1e-6.
lumen starts relevance from the target logit's value instead of 1, so its map is divided by
f_c(x) per sample before the comparison.

Run alone (`python3 -m pytorch_reference.checks.lrp_composites --lumen PATH` from scripts/) it
prints the largest relative difference and lumen's seconds per explanation for each composite on
the LeNet-, VGG- and ResNet-style models.
"""
import copy
import json
import os

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from ..common import relative_difference

NAME = "lrp-composites"
COMPOSITES = ("epsilon-plus", "epsilon-alpha2-beta1", "epsilon-plus-flat", "epsilon-alpha2-beta1-flat",
              "epsilon-gamma-box")
EPSILON = 1e-6
GAMMA = 0.25
LOW, HIGH = -5.0, 5.0
# The composite files lumen ships, each with the composite it writes out.
COMPOSITE_FILES = {
    os.path.join(os.path.dirname(__file__), "..", "..", "..", "plugins", "composites", "zennit",
                 "epsilon-plus.json"): "epsilon-plus",
}
SUM_STABILISER = 1e-9  # lumen's Note [relevance routing]; Zennit's Norm uses 1e-6


def stabilize(z, epsilon=EPSILON):
    return z + ((z == 0).to(z) + z.sign()) * epsilon


# ---- canonizer -------------------------------------------------------------------------------

def fold_batch_norms(model):
    """A copy of the model with every BatchNorm2d folded into the Conv2d registered just before."""
    model = copy.deepcopy(model)
    previous = None
    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            if isinstance(child, nn.BatchNorm2d) and isinstance(previous, nn.Conv2d):
                a = child.weight / torch.sqrt(child.running_var + child.eps)
                shift = child.bias - child.running_mean * a
                with torch.no_grad():
                    bias = previous.bias if previous.bias is not None else torch.zeros_like(a)
                    previous.weight.mul_(a[:, None, None, None])
                    previous.bias = nn.Parameter(a * bias + shift)
                setattr(parent, name, nn.Identity())
            if not list(child.children()):
                previous = child
    return model


# ---- rules (zennit/rules.py) -----------------------------------------------------------------

def positive(t):
    return t.clamp(min=0)


def negative(t):
    return t.clamp(max=0)


def forward_with(module, x, weight, bias):
    if isinstance(module, nn.Conv2d):
        return F.conv2d(x, weight, bias, module.stride, module.padding, module.dilation,
                        module.groups)
    return F.linear(x, weight, bias)


def modified_terms(module, x, R, terms, mapper):
    """terms: (input, weight, bias) triples; mapper(outputs) gives each term's R / denominator.
    Returns sum_k input_k * d(z_k . s_k)/d input_k."""
    inputs = [t[0].detach().requires_grad_(True) for t in terms]
    outputs = [forward_with(module, i, w, b) for i, (_, w, b) in zip(inputs, terms)]
    scales = [s.detach() for s in mapper([o.detach() for o in outputs])]
    grads = torch.autograd.grad(sum((o * s).sum() for o, s in zip(outputs, scales)), inputs,
                                allow_unused=True)
    return [g if g is not None else torch.zeros_like(i) for g, i in zip(grads, inputs)]


def epsilon_rule(module, x, R, epsilon=EPSILON):
    if not isinstance(module, (nn.Conv2d, nn.Linear)):  # Norm at average pooling
        x_ = x.detach().requires_grad_(True)
        z = module.__class__.forward(module, x_)
        (g,) = torch.autograd.grad((z * (R / stabilize(z.detach(), epsilon))).sum(), x_)
        return x * g
    w, b = module.weight, module.bias
    (g,) = modified_terms(module, x, R, [(x, w, b)], lambda o: [R / stabilize(o[0], epsilon)])
    return x * g


def zplus_rule(module, x, R):
    w, b = module.weight, module.bias
    bp = positive(b) if b is not None else None
    terms = [(positive(x), positive(w), bp), (negative(x), negative(w), None)]
    g = modified_terms(module, x, R, terms, lambda o: [R / stabilize(o[0] + o[1])] * 2)
    return positive(x) * g[0] + negative(x) * g[1]


def alpha_beta_rule(module, x, R, alpha=2.0, beta=1.0):
    w, b = module.weight, module.bias
    bp = positive(b) if b is not None else None
    bn = negative(b) if b is not None else None
    xp, xn = positive(x), negative(x)
    terms = [(xp, positive(w), bp), (xn, negative(w), None), (xp, negative(w), bn),
             (xn, positive(w), None)]
    g = modified_terms(module, x, R, terms,
                       lambda o: [R / stabilize(o[0] + o[1])] * 2 + [R / stabilize(o[2] + o[3])] * 2)
    return alpha * (xp * g[0] + xn * g[1]) - beta * (xp * g[2] + xn * g[3])


def gamma_rule(module, x, R, gamma=GAMMA):
    w, b = module.weight, module.bias
    up = w + gamma * positive(w)
    down = w + gamma * negative(w)
    b_up = b + gamma * positive(b) if b is not None else None
    b_down = b + gamma * negative(b) if b is not None else None
    xp, xn = positive(x), negative(x)
    terms = [(xp, up, b_up), (xn, down, None), (xp, down, b_down), (xn, up, None)]
    z = forward_with(module, x, w, b).detach()

    def mapper(o):
        return ([(z > 0).to(z) * R / stabilize(o[0] + o[1])] * 2
                + [(z < 0).to(z) * R / stabilize(o[2] + o[3])] * 2)

    g = modified_terms(module, x, R, terms, mapper)
    return xp * g[0] + xn * g[1] + xp * g[2] + xn * g[3]


def zbox_rule(module, x, R, low=LOW, high=HIGH):
    w, b = module.weight, module.bias
    lo, hi = torch.full_like(x, low), torch.full_like(x, high)
    terms = [(x, w, b), (lo, positive(w), positive(b) if b is not None else None),
             (hi, negative(w), negative(b) if b is not None else None)]
    g = modified_terms(module, x, R, terms, lambda o: [R / stabilize(o[0] - o[1] - o[2])] * 3)
    return x * g[0] - lo * g[1] - hi * g[2]


def flat_rule(module, x, R):
    ones = torch.ones_like(x)
    (g,) = modified_terms(module, x, R, [(ones, torch.ones_like(module.weight), None)],
                          lambda o: [R / stabilize(o[0])])
    return g


class _Ruled(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, module, rule):
        ctx.save_for_backward(x)
        ctx.module, ctx.rule = module, rule
        return module.__class__.forward(module, x)

    @staticmethod
    def backward(ctx, R):
        (x,) = ctx.saved_tensors
        with torch.enable_grad():
            return ctx.rule(ctx.module, x, R), None, None


class _Pass(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, R):
        return R


class _Sum(torch.autograd.Function):
    """a + b, relevance split in proportion (Zennit's Sum with the Norm rule)."""
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a + b

    @staticmethod
    def backward(ctx, R):
        a, b = ctx.saved_tensors
        s = R / stabilize(a + b, SUM_STABILISER)
        return a * s, b * s


def composite_rules(model, composite):
    """The rule of every conv/linear/average-pooling module, as the composite assigns it."""
    conv_rule = {"epsilon-plus": zplus_rule, "epsilon-alpha2-beta1": alpha_beta_rule,
                 "epsilon-plus-flat": zplus_rule, "epsilon-alpha2-beta1-flat": alpha_beta_rule,
                 "epsilon-gamma-box": gamma_rule}[composite]
    first = None
    rules = {}
    for module in model.modules():
        if isinstance(module, (nn.AvgPool2d, nn.AdaptiveAvgPool2d)):
            rules[module] = epsilon_rule
        elif isinstance(module, (nn.Conv2d, nn.Linear)):
            if first is None and composite.endswith("-flat"):
                first = rules[module] = flat_rule
            elif first is None and composite == "epsilon-gamma-box" and isinstance(module, nn.Conv2d):
                first = rules[module] = zbox_rule
            else:
                rules[module] = conv_rule if isinstance(module, nn.Conv2d) else epsilon_rule
    return rules


def reference_lrp(case, composite):
    from ..common import BasicBlock
    model = fold_batch_norms(case.model)
    for module, rule in composite_rules(model, composite).items():
        module.forward = (lambda m, r: (lambda x: _Ruled.apply(x, m, r)))(module, rule)
    saved = (torch.relu, nn.ReLU.forward, BasicBlock.forward)

    def block_forward(self, x):
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return torch.relu(_Sum.apply(out, self.shortcut(x)))

    torch.relu = _Pass.apply
    nn.ReLU.forward = lambda self, x: _Pass.apply(x)
    BasicBlock.forward = block_forward
    try:
        x = case.x.clone().requires_grad_(True)
        model(x)[:, case.target].sum().backward()
    finally:
        torch.relu, nn.ReLU.forward, BasicBlock.forward = saved
    return x.grad.numpy().astype(np.float64)


def lumen_lrp(case, composite):
    """lumen's map divided by the target logit per sample, and lumen's seconds per sample."""
    params = [f"composite={os.path.abspath(composite) if composite.endswith('.json') else composite}"]
    if composite == "epsilon-gamma-box":
        params += [f"low={LOW}", f"high={HIGH}"]
    raw = case.explain("lrp", params)
    out = os.path.join(case.directory, f"{os.path.basename(case.model_file)}-lrp.json")
    with open(out) as f:
        seconds = json.load(f)["seconds"] / case.x.shape[0]
    with torch.no_grad():
        logit = case.model(case.x)[:, case.target].numpy().astype(np.float64)
    return raw / logit[:, None, None, None], seconds


def compare(case):
    """{composite: (largest relative difference, lumen seconds per explanation)}."""
    results = {}
    for composite in COMPOSITES:
        expected = reference_lrp(case, composite)
        actual, seconds = lumen_lrp(case, composite)
        results[composite] = (relative_difference(actual, expected), seconds)
    for file, composite in COMPOSITE_FILES.items():
        actual, seconds = lumen_lrp(case, file)
        results[os.path.basename(file)] = (
            relative_difference(actual, reference_lrp(case, composite)), seconds)
    return results


def check(case):
    return max(d for d, _ in compare(case).values())


def main():
    import argparse
    import shutil
    import tempfile

    from ..common import Case, LeNet, ResNet, VGG, export, seeded

    parser = argparse.ArgumentParser(description="lrp composites against the PyTorch reference")
    parser.add_argument("--lumen", default=os.environ.get("LUMEN", "lumen"))
    parser.add_argument("--batch", type=int, default=2)
    args = parser.parse_args()
    directory = tempfile.mkdtemp(prefix="lumen-lrp-")
    try:
        for seed, (name, model_class, target) in enumerate(
                [("lenet", LeNet, 3), ("vgg", VGG, 7), ("resnet", ResNet, 1)]):
            model = seeded(model_class, seed)
            x = torch.from_numpy(np.random.default_rng(100 + seed)
                                 .standard_normal((args.batch, 3, 32, 32)).astype(np.float32))
            input_file = os.path.join(directory, f"{name}-input.npy")
            np.save(input_file, x.numpy())
            model_file = os.path.join(directory, f"{name}.onnx")
            export(model, x, model_file, 13)
            case = Case(name, model, x, target, args.lumen, directory, model_file, input_file)
            for composite, (difference, seconds) in compare(case).items():
                print(f"{name:7s} {composite:25s} max relative difference {difference:.2e}  "
                      f"lumen {seconds * 1e3:.2f} ms per explanation")
    finally:
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
