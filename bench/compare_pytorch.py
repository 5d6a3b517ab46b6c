#!/usr/bin/python3
"""Times lumen against PyTorch autograd on the same ONNX models and inputs, and prints ratios.

What: for each model, explanation method and thread count, the median time of one explanation of
one image for its predicted class, in lumen (`lumen bench`: the explainer's own measured seconds)
and in PyTorch (eager, plain autograd), and lumen / PyTorch against the targets: at most 1.0 where
PyTorch runs the same method (saliency, input-x-gradient, guided-backprop, deconvnet, grad-cam)
or the same batched passes (integrated-gradients, smoothgrad, score-cam, occlusion), at most 1.5
for lrp (epsilon-plus composite) and deeplift, whose PyTorch reference is one forward and one
backward pass. On the small models (sar-cnn and small-resnet, inputs under 128 pixels) every
target is halved: there lumen has no interpreter overhead to pay and must be at least twice as
fast. The forward and backward passes per image of both sides are printed beside them.

How:
- Models: torchvision's resnet18 and vgg16 at 224x224 and a small residual net at 32x32, with
  seeded random weights and batch-norm statistics, in evaluation mode, exported once into --cache
  (ONNX opset 13, dynamic batch); and the bundled examples/sar/model.onnx, rebuilt in torch from
  its own initializers by a tiny ONNX interpreter. The exporter folds batch-norm into the
  convolutions, and the torch models fold it the same way, so both sides run the same graph.
  Parameters do not require gradients (only input gradients are computed); ReLUs are not in-place
  (their backward hooks need that). Each torch model's logits are checked against
  `lumen predict` before anything is timed.
- One seeded standard-normal image per model. `lumen bench` explains every image of its --input
  alone (a batch of one) for its predicted class, so the .npy holds the image --repeats times and
  bench times that many explanations after one warm-up; PyTorch explains the same image for its
  arg-max logit, one warm-up call then --repeats timed calls. Each side's median is taken.
- Rounds interleave the two sides: in each round, for each thread count, model and method,
  PyTorch then lumen. Reported: the median over rounds of each round's median.
- Threads: torch.set_num_threads(T) and `lumen --threads T`.
- A (model, method) whose PyTorch explanation is estimated to take more than --max-seconds at 1
  thread (forward passes plus twice the backward passes, times one forward pass of one image) is
  skipped, and listed with the reason (VGG-16's Score-CAM, 514 forward passes, with the default).
- Occlusion: lumen's default window (3, stride 1) on the small models; on 224x224 images a 32
  window at stride 16 (169 windows; the default would mean 49,285 forward passes). lumen runs its
  default mode (incremental where cheaper), PyTorch every window in full: the passes columns
  show the difference.

Needs Debian's python3-torch, python3-torchvision and python3-onnx (run with /usr/bin/python3)
and a built lumen; `bash scripts/bench_pytorch.sh` installs, builds and runs it.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
import onnx
import onnx.numpy_helper
import torch
import torchvision
from torch import nn
from torch.nn import functional as F
from torch.nn.utils.fusion import fuse_conv_bn_eval

import peer_libraries

REPOSITORY = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(REPOSITORY, os.environ.get("LUMEN_BUILD_DIR", "build"))
STEPS = 50  # integrated-gradients' path points
SAMPLES = 50  # smoothgrad's noisy copies
NOISE_LEVEL = 0.15  # smoothgrad's sigma as a fraction of the image's range (lumen's default)
MASK_BATCH = 64  # score-cam's masked inputs and occlusion's windows per forward, on both sides
# occlusion's window (spanning every channel) and stride: lumen's defaults (3, 1) on small inputs;
# on 224x224 images 32 at stride 16, the 13 x 13 = 169 windows that tile the image.
LARGE_INPUT = 128


# ---------------------------------------------------------------------------------------------
# Models


class Block(nn.Module):
    """conv-bn-relu-conv-bn plus the input (through a 1x1 conv-bn when the shape changes), relu."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = nn.Sequential()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                          nn.BatchNorm2d(cout))
        self.relu2 = nn.ReLU()

    def forward(self, x):
        out = self.bn2(self.conv2(self.relu1(self.bn1(self.conv1(x)))))
        return self.relu2(out + self.shortcut(x))


class SmallResNet(nn.Module):
    """32x32 inputs: conv-bn-relu stem, three residual blocks, global average pool, 10 logits."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16),
                                  nn.ReLU())
        self.blocks = nn.Sequential(Block(16, 16, 1), Block(16, 32, 2), Block(32, 64, 2))
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))

    def forward(self, x):
        return self.head(self.blocks(self.stem(x)))


def onnx_module(node, weights):
    """The torch module computing one ONNX node whose only non-constant input is the first."""
    a = {attribute.name: onnx.helper.get_attribute_value(attribute) for attribute in node.attribute}
    pads, strides = a.get("pads", [0, 0, 0, 0]), tuple(a.get("strides", [1, 1]))
    plain = pads[:2] == pads[2:] and a.get("group", 1) == 1 and set(a.get("dilations", [1])) == {1}
    if node.op_type == "Conv" and plain:
        w = weights[node.input[1]]
        module = nn.Conv2d(w.shape[1], w.shape[0], tuple(w.shape[2:]), strides, tuple(pads[:2]),
                           bias=len(node.input) > 2)
    elif node.op_type == "Gemm" and (a.get("transA", 0), a.get("transB", 0)) == (0, 1) and \
            a.get("alpha", 1.0) == a.get("beta", 1.0) == 1.0:
        w = weights[node.input[1]]
        module = nn.Linear(w.shape[1], w.shape[0], bias=len(node.input) > 2)
    elif node.op_type == "MaxPool" and plain and not a.get("ceil_mode"):
        return nn.MaxPool2d(tuple(a["kernel_shape"]), strides, tuple(pads[:2]))
    elif node.op_type == "Relu":
        return nn.ReLU()
    elif node.op_type == "GlobalAveragePool":
        return nn.AdaptiveAvgPool2d(1)
    elif node.op_type == "Flatten" and a.get("axis", 1) == 1:
        return nn.Flatten()
    else:
        sys.exit(f"ONNX interpreter: unsupported node {node.op_type} {a}")
    with torch.no_grad():
        module.weight.copy_(w)
        if module.bias is not None:
            module.bias.copy_(weights[node.input[2]])
    return module


class OnnxNet(nn.Module):
    """An ONNX graph of Conv, Relu, MaxPool, GlobalAveragePool, Flatten and Gemm nodes, one torch
    module per node (named by the node's output), run in the file's (topological) order."""

    def __init__(self, path):
        super().__init__()
        graph = onnx.load(path).graph
        weights = {t.name: torch.from_numpy(onnx.numpy_helper.to_array(t).copy())
                   for t in graph.initializer}
        self.input_name, self.output_name = graph.input[0].name, graph.output[0].name
        self.steps = [(node.input[0], node.output[0]) for node in graph.node]
        self.layers = nn.ModuleDict({node.output[0]: onnx_module(node, weights)
                                     for node in graph.node})

    def forward(self, x):
        values = {self.input_name: x}
        for source, name in self.steps:
            values[name] = self.layers[name](values[source])
        return values[self.output_name]


def onnx_input_shape(path):
    """[C,H,W] of the first graph input."""
    dims = onnx.load(path).graph.input[0].type.tensor_type.shape.dim
    return tuple(d.dim_value for d in dims[1:])


@dataclass(frozen=True)
class ModelSpec:
    build: Callable[[], nn.Module]  # seeded by the caller
    layer: Callable[[nn.Module], nn.Module]  # lumen's default CAM layer: the last spatial ReLU
    shape: tuple | None  # [C,H,W]; None: read from the ONNX file
    onnx: str = ""  # a bundled model, otherwise exported into the cache


SAR = os.path.join(REPOSITORY, "examples", "sar", "model.onnx")
MODELS = {
    "resnet18": ModelSpec(torchvision.models.resnet18, lambda m: m.layer4, (3, 224, 224)),
    "vgg16": ModelSpec(torchvision.models.vgg16, lambda m: m.features[29], (3, 224, 224)),
    "small-resnet": ModelSpec(SmallResNet, lambda m: m.blocks[-1], (3, 32, 32)),
    "sar-cnn": ModelSpec(lambda: OnnxNet(SAR), lambda m: m.layers["relu3"], None, SAR),
}


@dataclass
class Model:
    name: str
    net: nn.Module
    layer: nn.Module
    onnx: str
    x: torch.Tensor  # [1,C,H,W]
    batch_file: str  # x repeated --repeats times, for lumen bench
    target: int
    channels: int  # feature maps at the CAM layer


def randomise_batch_norms(net):
    """Seeded by the caller; the defaults (scale 1, shift 0, mean 0, variance 1) fold trivially."""
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.5, 0.5)
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 1.5)


def fold_batch_norms(net):
    """Folds each BatchNorm2d into the Conv2d registered just before it in the same parent (the
    data order in these models), as the ONNX exporter does; the batch-norm becomes Identity."""
    for parent in list(net.modules()):
        previous = (None, None)
        for name, child in list(parent.named_children()):
            if isinstance(child, nn.BatchNorm2d) and isinstance(previous[1], nn.Conv2d):
                setattr(parent, previous[0], fuse_conv_bn_eval(previous[1], child))
                setattr(parent, name, nn.Identity())
            previous = (name, child)


def prepare_for_explaining(net):
    fold_batch_norms(net)
    for m in net.modules():
        if isinstance(m, nn.ReLU):
            m.inplace = False
    for p in net.parameters():
        p.requires_grad_(False)


def export(net, shape, path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    torch.onnx.export(net, torch.zeros((1,) + shape), path + ".partial", opset_version=13,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    os.replace(path + ".partial", path)


def lumen_logits(lumen, onnx_path, input_file):
    out = run([lumen, "predict", "--model", onnx_path, "--input", input_file, "--top", "1",
               "--json"])
    return np.array(json.loads(out)["samples"][0]["logits"])


def load_model(name, lumen, cache, repeats):
    """The torch model, its ONNX file (exported when missing), its input files and target; exits
    when the torch logits differ from lumen's."""
    spec = MODELS[name]
    torch.manual_seed(0)
    net = spec.build().eval()
    randomise_batch_norms(net)
    path = spec.onnx or os.path.join(cache, f"{name}.onnx")
    shape = spec.shape or onnx_input_shape(path)
    if not os.path.exists(path):
        export(net, shape, path)
    prepare_for_explaining(net)
    x = torch.randn((1,) + shape, generator=torch.Generator().manual_seed(1))
    image_file = os.path.join(cache, f"{name}-input.npy")
    batch_file = os.path.join(cache, f"{name}-input-x{repeats}.npy")
    np.save(image_file, x.numpy())
    np.save(batch_file, x.repeat(repeats, 1, 1, 1).numpy())

    layer = spec.layer(net)
    with torch.no_grad():
        logits = net(x)[0].double().numpy()
        channels = capture(net, layer, x)[1].shape[1]
    lumen_values = lumen_logits(lumen, path, image_file)
    difference = np.abs(lumen_values - logits).max() / np.abs(logits).max()
    if difference > 1e-4:
        sys.exit(f"{name}: torch and lumen logits differ by {difference:.1e} (relative): the "
                 f"torch model is not the ONNX model {path}")
    return Model(name, net, layer, path, x, batch_file, int(logits.argmax()), channels)


# ---------------------------------------------------------------------------------------------
# The PyTorch side: each function explains model.x for model.target.


def capture(net, layer, x, as_leaf=False):
    """Runs net on x; returns the logits and the layer's output (a leaf requiring grad when
    as_leaf, so that a backward pass stops there)."""
    seen = {}

    def hook(module, inputs, output):
        seen["a"] = output.detach().requires_grad_(True) if as_leaf else output
        return seen["a"]

    handle = layer.register_forward_hook(hook)
    try:
        logits = net(x)
    finally:
        handle.remove()
    return logits, seen["a"]


def input_gradient(net, x, target):
    x = x.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(net(x)[:, target].sum(), x)
    return grad


def saliency(m):
    return input_gradient(m.net, m.x, m.target).abs()


def input_x_gradient(m):
    return m.x * input_gradient(m.net, m.x, m.target)


def relu_backward(rule):
    """The gradient with ReLU's backward replaced (Captum's hooks): guided backprop passes the
    positive part of ReLU's gradient, deconvnet the positive part of the incoming signal."""

    def hook(module, grad_input, grad_output):
        return ((grad_input if rule == "guided" else grad_output)[0].clamp(min=0),)

    def explain(m):
        handles = [r.register_full_backward_hook(hook)
                   for r in m.net.modules() if isinstance(r, nn.ReLU)]
        try:
            return input_gradient(m.net, m.x, m.target)
        finally:
            for h in handles:
                h.remove()

    return explain


def upsample(maps, x):
    return F.interpolate(maps, size=x.shape[2:], mode="bilinear", align_corners=False)


def grad_cam(m):
    logits, a = capture(m.net, m.layer, m.x, as_leaf=True)
    (grad,) = torch.autograd.grad(logits[0, m.target], a)
    return upsample(torch.relu((grad.mean((2, 3), keepdim=True) * a).sum(1, keepdim=True)), m.x)


def forward_and_backward(m):
    """The reference of lrp and deeplift: one forward and one backward pass (the gradient)."""
    return input_gradient(m.net, m.x, m.target)


def integrated_gradients(m):
    """Gauss-Legendre, zero baseline, all steps in one batch (internal_batch_size=0), and one
    forward pass over the input and the baseline (lumen's completeness check)."""
    t, w = np.polynomial.legendre.leggauss(STEPS)
    alphas = torch.tensor((1 + t) / 2, dtype=torch.float32).view(-1, 1, 1, 1)
    weights = torch.tensor(w / 2, dtype=torch.float32).view(-1, 1, 1, 1)
    baseline = torch.zeros_like(m.x)
    grads = input_gradient(m.net, baseline + alphas * (m.x - baseline), m.target)
    result = (m.x - baseline) * (weights * grads).sum(0, keepdim=True)
    with torch.no_grad():
        m.net(torch.cat([m.x, baseline]))
    return result


def smoothgrad(m):
    """The mean of saliency (|gradient|) over SAMPLES noisy copies, run as one batch."""
    sigma = NOISE_LEVEL * float(m.x.max() - m.x.min())
    noisy = m.x + sigma * torch.randn((SAMPLES,) + m.x.shape[1:])
    return input_gradient(m.net, noisy, m.target).abs().mean(0, keepdim=True)


@torch.no_grad()
def score_cam(m):
    """One forward pass for the feature maps, one per mask (MASK_BATCH at a time), one for the
    zero baseline; weights: the target's probability on x times each min-max scaled upsampled
    map, minus that on the baseline."""
    _, a = capture(m.net, m.layer, m.x)
    masks = upsample(a, m.x)[0]
    low = masks.amin((1, 2), keepdim=True)
    span = masks.amax((1, 2), keepdim=True) - low
    masks = torch.where(span > 0, (masks - low) / span.clamp(min=1e-30), torch.zeros_like(masks))
    base = torch.softmax(m.net(torch.zeros_like(m.x)), 1)[0, m.target]
    scores = torch.cat([torch.softmax(m.net(m.x * masks[i:i + MASK_BATCH, None]), 1)[:, m.target]
                        for i in range(0, masks.shape[0], MASK_BATCH)])
    cam = ((scores - base).view(1, -1, 1, 1) * a).sum(1, keepdim=True)
    return upsample(torch.relu(cam), m.x)


def occlusion_geometry(m):
    """(window, stride) of occlusion on this model's input."""
    return (32, 16) if m.x.shape[2] >= LARGE_INPUT else (3, 1)


def occlusion_grid(m):
    window, stride = occlusion_geometry(m)
    return ((m.x.shape[2] - window) // stride + 1, (m.x.shape[3] - window) // stride + 1)


def occlusion_windows(m):
    height, width = occlusion_grid(m)
    return height * width


@torch.no_grad()
def occlusion(m):
    """A window over every channel at the model's stride, baseline 0: one forward pass for the
    input, one per window (MASK_BATCH at a time); each value gets the mean logit drop of the
    windows covering it."""
    window, stride = occlusion_geometry(m)
    height, width = occlusion_grid(m)
    reference = m.net(m.x)[0, m.target]
    drops = []
    for first in range(0, height * width, MASK_BATCH):
        positions = range(first, min(first + MASK_BATCH, height * width))
        keep = torch.ones((len(positions), 1) + m.x.shape[2:])
        for j, p in enumerate(positions):
            top, left = (p // width) * stride, (p % width) * stride
            keep[j, :, top:top + window, left:left + window] = 0
        drops.append(reference - m.net(m.x * keep)[:, m.target])
    box = torch.ones(1, 1, window, window)
    total = F.conv_transpose2d(torch.cat(drops).view(1, 1, height, width), box, stride=stride)
    covered = F.conv_transpose2d(torch.ones(1, 1, height, width), box, stride=stride)
    return (total / covered).expand_as(m.x)


@dataclass(frozen=True)
class Method:
    reference: str  # what the PyTorch side runs
    target: float  # the largest acceptable lumen / PyTorch
    explain: Callable[[Model], torch.Tensor]
    passes: Callable[[Model], tuple]  # PyTorch's forward and backward passes per image
    params: object = ()  # lumen's parameters (NAME=VALUE), or a function of the model giving them


def one_pass(m):
    return 1, 1


METHODS = {
    "saliency": Method("same method", 1.0, saliency, one_pass),
    "input-x-gradient": Method("same method", 1.0, input_x_gradient, one_pass),
    "guided-backprop": Method("same method", 1.0, relu_backward("guided"), one_pass),
    "deconvnet": Method("same method", 1.0, relu_backward("deconvnet"), one_pass),
    "grad-cam": Method("same method", 1.0, grad_cam, one_pass),
    "lrp": Method("forward+backward", 1.5, forward_and_backward, one_pass,
                  ("composite=epsilon-plus",)),
    "deeplift": Method("forward+backward", 1.5, forward_and_backward, one_pass),
    "integrated-gradients": Method("same passes", 1.0, integrated_gradients,
                                   lambda m: (STEPS + 2, STEPS),
                                   (f"steps={STEPS}", "internal_batch_size=0",
                                    "quadrature=gauss-legendre")),
    "smoothgrad": Method("same passes", 1.0, smoothgrad, lambda m: (SAMPLES, SAMPLES),
                         (f"samples={SAMPLES}", f"noise_level={NOISE_LEVEL}")),
    "score-cam": Method("same passes", 1.0, score_cam, lambda m: (m.channels + 2, 0),
                        (f"batch_size={MASK_BATCH}",)),
    "occlusion": Method("same passes", 1.0, occlusion, lambda m: (1 + occlusion_windows(m), 0),
                        lambda m: (f"window={occlusion_geometry(m)[0]}",
                                   f"stride={occlusion_geometry(m)[1]}",
                                   f"batch_size={MASK_BATCH}")),
}


# ---------------------------------------------------------------------------------------------
# Timing


def run(command):
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        status = result.returncode
        how = f"status {status}" if status > 0 else f"killed by signal {-status}"
        sys.exit(f"lumen failed ({how}): {' '.join(command)}\n{result.stderr.strip()}")
    return result.stdout


def time_pytorch(m, method, repeats):
    """Median seconds of `repeats` explanations after one warm-up."""
    method.explain(m)
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        method.explain(m)
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds)


def time_lumen(lumen, m, name, method, threads, out):
    """lumen bench's median seconds per image, its forward and backward passes per image, and
    the backend it used."""
    command = [lumen, "--threads", str(threads), "--seed", "1", "bench", "--model", m.onnx,
               "--methods", name, "--input", m.batch_file, "--warmup", "1", "--json", out]
    params = method.params(m) if callable(method.params) else method.params
    for p in params:
        command += ["--param", f"{name}.{p}"]
    run(command)
    with open(out) as f:
        doc = json.load(f)
    entry = doc["methods"][0]
    return (entry["median_seconds"], (entry["forward_per_image"], entry["backward_per_image"]),
            doc["backend"])


@torch.no_grad()
def forward_seconds(m):
    """The shortest of three forward passes of one image, after a warm-up one."""
    seconds = []
    for _ in range(4):
        start = time.perf_counter()
        m.net(m.x)
        seconds.append(time.perf_counter() - start)
    return min(seconds[1:])


def plan(models, methods, thread_counts, max_seconds):
    """The (model, method, threads) to time, and the skipped (model, method) with the reason. The
    cost is estimated at 1 thread, so every thread count times the same combinations."""
    torch.set_num_threads(1)
    todo, skipped = [], []
    for m in models:
        forward = forward_seconds(m)
        for name in methods:
            f, b = METHODS[name].passes(m)
            estimate = forward * (f + 2 * b)
            if estimate <= max_seconds:
                todo += [(m, name, threads) for threads in thread_counts]
                continue
            skipped.append({"model": m.name, "method": name,
                            "reason": f"PyTorch estimated at {estimate:.0f} s per explanation "
                                      f"at 1 thread ({f} forward, {b} backward passes, "
                                      f"{forward * 1e3:.1f} ms per forward of one image) > "
                                      f"--max-seconds {max_seconds:g}"})
    return todo, skipped


def measure(todo, args):
    """Interleaved rounds; per combination the per-round medians of both sides."""
    results = {(m.name, name, t): {"pytorch": [], "lumen": []} for m, name, t in todo}
    out = os.path.join(args.cache, "bench.json")
    for r in range(args.rounds):
        for m, name, threads in sorted(todo, key=lambda c: c[2]):
            torch.set_num_threads(threads)
            entry = results[(m.name, name, threads)]
            method = METHODS[name]
            entry["pytorch"].append(time_pytorch(m, method, args.repeats))
            library = args.libraries.get(name)
            if library:
                entry.setdefault("library", []).append(time_pytorch(
                    m, Method("", 0, library[1], one_pass), args.repeats))
            seconds, entry["lumen_passes"], entry["backend"] = time_lumen(args.lumen, m, name,
                                                                          method, threads, out)
            entry["lumen"].append(seconds)
            print(f"round {r + 1}/{args.rounds}  {m.name} {name} {threads} thread(s): PyTorch "
                  f"{entry['pytorch'][-1] * 1e3:.1f} ms, lumen {seconds * 1e3:.1f} ms"
                  + (f", {library[0]} {entry['library'][-1] * 1e3:.1f} ms" if library else ""),
                  file=sys.stderr, flush=True)
    return results


# ---------------------------------------------------------------------------------------------
# Report


def rows(todo, results, libraries):
    table = []
    for m, name, threads in todo:
        entry, method = results[(m.name, name, threads)], METHODS[name]
        pytorch, lumen = statistics.median(entry["pytorch"]), statistics.median(entry["lumen"])
        ratio = lumen / pytorch
        target = method.target if m.x.shape[2] >= LARGE_INPUT else method.target / 2
        table.append({"model": m.name, "method": name, "threads": threads,
                      "pytorch_reference": method.reference,
                      "pytorch_passes": list(method.passes(m)),
                      "lumen_passes": list(entry["lumen_passes"]), "backend": entry["backend"],
                      "pytorch_ms": pytorch * 1e3, "lumen_ms": lumen * 1e3,
                      "pytorch_round_ms": [s * 1e3 for s in entry["pytorch"]],
                      "lumen_round_ms": [s * 1e3 for s in entry["lumen"]],
                      "ratio": ratio, "target": target, "meets": ratio <= target})
        if "library" in entry:
            library = statistics.median(entry["library"])
            library_target = 1.0 if m.x.shape[2] >= LARGE_INPUT else 0.5
            table[-1].update({"library": libraries[name][0], "library_ms": library * 1e3,
                              "library_round_ms": [s * 1e3 for s in entry["library"]],
                              "library_ratio": lumen / library, "library_target": library_target,
                              "meets_library": lumen / library <= library_target})
    return table


def passes_text(passes):
    return "/".join(f"{p:g}" for p in passes)


def markdown(table):
    lines = ["| model | method | threads | PyTorch runs | passes f/b PyTorch | passes f/b lumen "
             "| PyTorch ms | lumen ms | lumen/PyTorch | target | meets? |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in table:
        lines.append(f"| {r['model']} | {r['method']} | {r['threads']} | "
                     f"{r['pytorch_reference']} | {passes_text(r['pytorch_passes'])} | "
                     f"{passes_text(r['lumen_passes'])} | {r['pytorch_ms']:.1f} | "
                     f"{r['lumen_ms']:.1f} | {r['ratio']:.2f} | ≤ {r['target']:g} | "
                     f"{'yes' if r['meets'] else 'no'} |")
    return "\n".join(lines)


def library_markdown(table):
    """lumen against the library a user would otherwise run (target: as fast on 224x224 inputs,
    twice as fast on the small models)."""
    lines = ["| model | method | threads | library | library ms | lumen ms | lumen/library "
             "| target | meets? |", "|---|---|---|---|---|---|---|---|---|"]
    for r in table:
        if "library" in r:
            lines.append(f"| {r['model']} | {r['method']} | {r['threads']} | {r['library']} | "
                         f"{r['library_ms']:.1f} | {r['lumen_ms']:.1f} | "
                         f"{r['library_ratio']:.2f} | ≤ {r['library_target']:g} | "
                         f"{'yes' if r['meets_library'] else 'no'} |")
    return "\n".join(lines)


def peer_libraries_for(methods):
    """{method: (label, function)} of the importable libraries; prints why the others are not."""
    peer_libraries.SETTINGS.update(
        steps=STEPS, samples=SAMPLES, noise_level=NOISE_LEVEL, mask_batch=MASK_BATCH,
        occlusion_geometry=occlusion_geometry,
        classes=lambda m: int(m.net(m.x).shape[1]))
    chosen = {}
    for name in methods:
        label, explain = peer_libraries.available(name)
        if callable(explain):
            chosen[name] = (label, explain)
        else:
            print(f"no library timing for {name}: {label + ': ' if label else ''}{explain}")
    return chosen


def names(text, known, flag):
    chosen = text.split(",")
    unknown = [n for n in chosen if n not in known]
    if unknown:
        sys.exit(f"{flag}: unknown {', '.join(unknown)}; known: {', '.join(known)}")
    return chosen


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lumen", default=os.path.join(BUILD, "bin", "lumen"),
                        help="the lumen executable (default: the build's)")
    parser.add_argument("--threads", default="1", help="comma-separated thread counts (1)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (3)")
    parser.add_argument("--repeats", type=int, default=3,
                        help="timed explanations per side and round, after one warm-up (3)")
    parser.add_argument("--models", default=",".join(MODELS), help="comma-separated (all)")
    parser.add_argument("--methods", default=",".join(METHODS), help="comma-separated (all)")
    parser.add_argument("--max-seconds", type=float, default=60,
                        help="skip combinations whose PyTorch explanation is estimated to take "
                             "longer (60)")
    parser.add_argument("--cache", default=os.path.join(BUILD, "bench", "pytorch"),
                        help="exported models, inputs and lumen's JSON (build/bench/pytorch)")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--libraries", action="store_true",
                        help="also time the Python library a user would otherwise run for each "
                             "method (Captum, Zennit, pytorch-grad-cam; whichever is importable, "
                             "see bench/peer_libraries.py)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: small-resnet, saliency and grad-cam, one round")
    args = parser.parse_args()
    if args.quick:
        args.models, args.methods, args.rounds = "small-resnet", "saliency,grad-cam", 1
    if not os.access(args.lumen, os.X_OK):
        sys.exit(f"no lumen executable at {args.lumen} (build it: bash scripts/build.sh)")
    args.threads = [int(t) for t in args.threads.split(",")]
    if min(args.threads + [args.rounds, args.repeats]) < 1:
        sys.exit("--threads, --rounds and --repeats must be at least 1")
    args.models = names(args.models, MODELS, "--models")
    args.methods = names(args.methods, METHODS, "--methods")
    return args


def main():
    args = parse_arguments()
    os.makedirs(args.cache, exist_ok=True)
    models = [load_model(name, args.lumen, args.cache, args.repeats) for name in args.models]
    todo, skipped = plan(models, args.methods, args.threads, args.max_seconds)
    print(f"lumen {args.lumen} against PyTorch {torch.__version__} autograd; threads "
          f"{','.join(map(str, args.threads))} (torch.set_num_threads and lumen --threads) on "
          f"{os.cpu_count()} CPU(s); {args.rounds} round(s) of {args.repeats} timed "
          f"explanation(s) per side after one warm-up; medians.")
    if max(args.threads) > 1:
        print("With 2 or more threads the machine should be otherwise idle.")
    for s in skipped:
        print(f"skipped: {s['model']} {s['method']}: {s['reason']}")
    args.libraries = peer_libraries_for(args.methods) if args.libraries else {}
    table = rows(todo, measure(todo, args), args.libraries)
    print(markdown(table))
    if args.libraries:
        print(library_markdown(table))
    print(f"lumen backend: {', '.join(sorted({r['backend'] for r in table})) or 'none ran'}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"lumen": args.lumen, "torch": torch.__version__,
                       "torchvision": torchvision.__version__, "cpus": os.cpu_count(),
                       "machine": platform.processor() or platform.machine(),
                       "rounds": args.rounds, "repeats": args.repeats, "rows": table,
                       "skipped": skipped}, f, indent=2)
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
