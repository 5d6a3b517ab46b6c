#!/usr/bin/python3
"""Checks lumen against PyTorch on torchvision's classification architectures.

Each model is built with random weights (seeded, nothing is downloaded), exported to ONNX by
torch.onnx at every opset asked for, and given to the built `lumen` command line:
  - loads: `lumen predict` reads the file (else the first line of its error);
  - logits: lumen's logits against PyTorch's in float64, max |lumen - torch| / max |torch|;
  - saliency: `lumen explain --method saliency --param abs=false` for the class PyTorch predicts,
    against torch autograd of that logit in float64, measured the same way;
  - three measures of float32 noise in the saliency: PyTorch's own float32 saliency against its
    float64 one (the larger of its default and its channels-last convolutions), and the largest
    jump of the float64 saliency when every input value, or every weight and batch-norm
    statistic, moves by one float32 rounding step (random signs, 3 trials each; the exporter's
    batch-norm folding rounds the weights that much). A deep ReLU network has pre-activations within float32 rounding of
    a kink (and max-pool windows with near-ties), and which side they fall on decides where the
    gradient flows, so float32 implementations differ by about this much. Saliency is marked
    failed (✗) only above 1e-3 and above twice the larger measure.
At the last opset given (or those of --methods-opsets), the methods run on the class PyTorch
predicts (a second table):
  - grad-cam (its default layer): runs, finite map;
  - lrp with the epsilon-plus composite: runs, its relevance sum is finite; sum R / f_c(x);
  - on a copy of the model with every bias, batch-norm shift and running mean set to zero (and
    batch-norm variances set from the input, see without_biases): epsilon-plus's sum R / f_c(x)
    (its z+ rule drops the relevance of a convolution output that has no positive contribution,
    which a linear bottleneck, a convolution without ReLU after it, passes on: MobileNet,
    ShuffleNet; so it conserves only in networks without them), and the conservation error
    |sum R - f_c(x)| / |f_c(x)| of lrp's epsilon rule (1e-6) on every layer, which conserves
    wherever no bias absorbs relevance (tolerance 1e-2): relevance through every op the model
    has (gates, concatenations, slices, normalisations) keeps its total;
  - deeplift (rescale, zero baseline): its summation-to-delta error as lumen reports it
    (tolerance 1e-3 relative);
  - integrated-gradients (zero baseline, 16 Gauss-Legendre steps): runs, its completeness error
    as lumen reports it (a quadrature error, not a failure).
Prints Markdown tables; exits with status 1 when any check fails (✗), 77 when torch or
torchvision is missing (CTest's skip code). Run from anywhere with /usr/bin/python3 (torch 1.13,
torchvision 0.14, onnx 1.12):

    /usr/bin/python3 scripts/model_zoo.py [--models a,b | --models all] [--opsets 11,13,17]
        [--methods-opsets 17] [--work DIR]

`--models all` takes every classification architecture torchvision lists (80 in 0.14, the
vision transformers included, some with hundreds of millions of weights: hours). Besides
torchvision's names, `convnext_mini` is a small ConvNeXt built here (see convnext_mini).
"""
import argparse
import copy
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

try:
    import numpy as np
    import onnx  # noqa: F401  (torch.onnx.export needs it)
    import torch
    import torchvision
except ImportError as missing:
    print(f"skipped: {missing.name} is not installed (scripts/setup.sh --with-pytorch installs it)")
    sys.exit(77)

DEFAULT_MODELS = [
    "alexnet", "vgg11_bn", "resnet50", "resnext50_32x4d", "wide_resnet50_2", "densenet121",
    "squeezenet1_0", "mnasnet0_5", "regnet_y_400mf", "googlenet", "inception_v3",
    "mobilenet_v2", "mobilenet_v3_large", "efficientnet_b0", "shufflenet_v2_x0_5",
    "convnext_tiny", "efficientnet_b1", "efficientnet_b2", "efficientnet_b3",
]
INPUT_SIZE = {"inception_v3": 299}
LOGITS_TOLERANCE = 1e-4
SALIENCY_TOLERANCE = 1e-3
CONSERVATION_TOLERANCE = 1e-2
DELTA_TOLERANCE = 1e-3
IG_STEPS = 16
JUMP_TRIALS = 3
NOISE_FACTOR = 2  # saliency fails above 1e-3 and above twice the larger float32 noise measure
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def convnext_mini():
    """A two-stage ConvNeXt (16 and 32 channels, one block each, 10 classes) with layer scale 0.5
    instead of 1e-6, so that its blocks' GELU and LayerNorm matter: ConvNeXt's ops in a model
    small enough for the quick test (pytorch:model-zoo-small)."""
    from torchvision.models.convnext import CNBlockConfig, ConvNeXt
    return ConvNeXt([CNBlockConfig(16, 32, 1), CNBlockConfig(32, None, 1)], layer_scale=0.5,
                    num_classes=10)


# Models built here besides torchvision's own.
EXTRA_MODELS = {"convnext_mini": convnext_mini}


def build_model(name, seed):
    """The model with torchvision's random initialisation (batch-norm statistics mean 0, variance
    1), in inference mode."""
    torch.manual_seed(seed)
    if name in EXTRA_MODELS:
        return EXTRA_MODELS[name]().eval()
    kwargs = {"weights": None}
    if name in ("googlenet", "inception_v3"):
        kwargs.update(aux_logits=False, init_weights=True)
    return getattr(torchvision.models, name)(**kwargs).eval()


def relative_error(actual, expected):
    """max |actual - expected| / max |expected|: relative to the tensor's scale, so that values
    near zero do not dominate."""
    actual = np.asarray(actual, dtype=np.float64).reshape(-1)
    expected = np.asarray(expected, dtype=np.float64).reshape(-1)
    if actual.shape != expected.shape:
        raise ValueError(f"shape {actual.shape} differs from PyTorch's {expected.shape}")
    return float(np.max(np.abs(actual - expected)) / max(np.max(np.abs(expected)), 1e-30))


def torch_reference(model, x):
    """The predicted class (float64), the logits and the gradient of its logit in float64, and two
    measures of float32 noise: how far PyTorch's own float32 gradient lies from the float64 one
    (the larger of its default and channels-last convolutions, another summation order), and how
    far the float64 gradient jumps when x moves by one float32 rounding step."""
    def run(dtype, memory_format=torch.contiguous_format, target=None, x_value=x):
        m = model.to(dtype=dtype, memory_format=memory_format)
        xt = torch.from_numpy(x_value).to(dtype).contiguous(memory_format=memory_format)
        xt.requires_grad_(True)
        logits = m(xt)
        target = int(torch.argmax(logits[0])) if target is None else target
        logits[0, target].backward()
        return target, logits.detach().numpy().astype(np.float64), \
            xt.grad.detach().numpy().astype(np.float64)

    target, logits, saliency = run(torch.float64)
    float32 = max(relative_error(run(torch.float32, fmt, target)[2], saliency)
                  for fmt in (torch.contiguous_format, torch.channels_last))
    # The float64 gradient of x changed by one float32 rounding step per value (random signs).
    exact = x.astype(np.float64)
    jump = 0.0
    for k in range(JUMP_TRIALS):
        signs = np.random.default_rng(100 + k).choice([-1.0, 1.0], size=x.shape)
        moved = exact * (1.0 + signs * 2.0 ** -24)
        jump = max(jump, relative_error(run(torch.float64, x_value=moved, target=target)[2],
                                        saliency))
    # The same for the weights: torch.onnx folds batch-norm into the convolutions in float32, so
    # the exported model's weights differ from PyTorch's by about one rounding step.
    weight_jump = 0.0
    originals = {name: t.detach().clone() for name, t in model.state_dict().items()
                 if t.is_floating_point()}
    for k in range(JUMP_TRIALS):
        generator = torch.Generator().manual_seed(200 + k)
        with torch.no_grad():
            for name, t in model.state_dict().items():
                if name in originals:
                    signs = torch.randint(0, 2, t.shape, generator=generator).to(t.dtype) * 2 - 1
                    t.copy_(originals[name] * (1.0 + signs * 2.0 ** -24))
        weight_jump = max(weight_jump, relative_error(run(torch.float64, target=target)[2],
                                                      saliency))
    with torch.no_grad():
        for name, t in model.state_dict().items():
            if name in originals:
                t.copy_(originals[name])
    model.to(dtype=torch.float32, memory_format=torch.contiguous_format)
    return {"target": target, "logits": logits, "saliency": saliency, "float32": float32,
            "jump": jump, "weight_jump": weight_jump}


def first_error(stderr):
    """The gist of lumen's error, short enough for a table cell: its first line without the file,
    and for a list of refused nodes each op with its count and the first node's reason."""
    lines = [l for l in stderr.replace("lumen: error: ", "", 1).splitlines() if l.strip()]
    if not lines:
        return "failed without a message"
    head = lines[0].split(".onnx: ", 1)[-1]
    groups = [re.match(r"^  (\S.*?) \((\d+) nodes?\):", l) for l in lines[1:]]
    groups = [g for g in groups if g]
    if groups:
        head += " " + ", ".join(f"{g.group(1)} ×{g.group(2)}" for g in groups)
        reasons = [m.group(1) for m in (re.match(r"^    '[^']*': (.*)$", l) for l in lines) if m]
        if reasons:
            head += f" (first: {reasons[0][:160]})"
    return head.replace("|", "\\|")


BACKEND = []  # ["--backend", NAME] when one is asked for


def run_lumen(lumen, args):
    return subprocess.run([lumen] + args + ["--threads", "1"] + BACKEND, capture_output=True,
                          text=True)


def export(model, x, path, opset):
    """Exports the model; returns None, or why torch could not."""
    try:
        torch.onnx.export(model, torch.from_numpy(x), path, opset_version=opset,
                          input_names=["input"], output_names=["logits"])
    except Exception as e:  # torch refuses some ops at some opsets: say so, do not fail
        return f"skipped: torch cannot export at opset {opset} ({str(e).splitlines()[0][:200]})"
    return None


def without_biases(model, x):
    """A copy of the model in which the epsilon-plus composite conserves relevance: every bias and
    batch-norm shift zero (nothing is absorbed by biases), and every batch-norm's statistics taken
    from this input (running mean 0, running variance the mean square of its input per channel),
    so its activations have the scale of a trained network. In the randomly initialised ones they
    can shrink to 1e-5 (ShuffleNet's logits), where the rules' fixed 1e-6 stabilisers (Zennit's)
    absorb a visible share of the relevance."""
    bias_free = copy.deepcopy(model)

    def set_statistics(module, inputs):
        module.running_var.copy_(inputs[0].double().pow(2).mean(dim=(0, 2, 3)).to(
            module.running_var.dtype) - module.eps)
        module.running_var.clamp_(min=0.0)

    hooks = []
    with torch.no_grad():
        for module in bias_free.modules():
            for name in ("bias", "running_mean"):
                t = getattr(module, name, None)
                if isinstance(t, torch.Tensor):
                    t.zero_()
            if isinstance(module, torch.nn.BatchNorm2d):
                hooks.append(module.register_forward_pre_hook(set_statistics))
        bias_free(torch.from_numpy(x))
    for hook in hooks:
        hook.remove()
    return bias_free


def explain(lumen, path, x_path, method, target, out, params=()):
    """Runs `lumen explain`; returns (map, record) or (None, the gist of the error)."""
    args = ["explain", "--model", path, "--input", x_path, "--method", method,
            "--target", str(target), "--out", out]
    for p in params:
        args += ["--param", p]
    done = run_lumen(lumen, args)
    if done.returncode != 0:
        return None, first_error(done.stderr)
    with open(os.path.splitext(out)[0] + ".json") as f:
        return np.load(out), json.load(f)


def property_cell(record, property_name, logit, tolerance):
    """The relative error lumen's note reports for a property ("completeness", ...), as a cell.
    When f_c(x) - f_c(x') is below float32's resolution of the logit itself (a randomly
    initialised net whose signal vanishes, GoogLeNet's: its logits are its biases), the relative
    error has no meaning: the cell says so with the absolute error instead."""
    for note in record["notes"]:
        m = re.search(property_name + r" error \|[^|]*\| = (\S+) \(relative (\S+); sum R = (\S+), "
                      r"f_c\(x\) - f_c\(x'\) = ([^)]+)\)", note)
        if not m:
            continue
        absolute, relative, delta = float(m.group(1)), float(m.group(2)), float(m.group(4))
        if abs(delta) <= 1e-6 * abs(logit):
            return f"f_c(x) = f_c(x') in float32; abs err {absolute:.1e}"
        return "non-finite ✗" if not np.isfinite(relative) else cell(relative, tolerance)
    return "no property note ✗"


def check_methods(lumen, path, x_path, model, x, reference, work, opset, name):
    """The second table's row: Grad-CAM, LRP (and its conservation on a bias-free copy), DeepLIFT
    and IG on the exported model."""
    row = {}
    target = reference["target"]
    logit = float(reference["logits"][0][target])
    started = time.monotonic()
    out = os.path.join(work, "map.npy")
    heatmap, record = explain(lumen, path, x_path, "grad-cam", target, out)
    row["grad-cam"] = (f"fails: {record}" if heatmap is None else
                       "yes" if np.all(np.isfinite(heatmap)) else "non-finite ✗")
    relevance, record = explain(lumen, path, x_path, "lrp", target, out,
                                ["composite=epsilon-plus"])
    if relevance is None:
        row["lrp"] = f"fails: {record}"
    else:
        total = float(np.sum(relevance.astype(np.float64)))
        row["lrp"] = (f"{total / logit:.3g}" if np.isfinite(total) else "non-finite ✗")
    bias_free = without_biases(model, x)
    free_path = os.path.join(work, f"{name}_opset{opset}_bias_free.onnx")
    why = export(bias_free, x, free_path, opset)
    if why:
        row["plus_free"] = row["conservation"] = why
    else:
        free_logit = float(reference_logit(bias_free, x, target))
        for key, params in (("plus_free", ["composite=epsilon-plus"]), ("conservation", [])):
            relevance, record = explain(lumen, free_path, x_path, "lrp", target, out, params)
            if relevance is None:
                row[key] = f"fails: {record}"
                continue
            total = float(np.sum(relevance.astype(np.float64)))
            row[key] = (f"{total / free_logit:.3g}" if key == "plus_free" else
                        cell(abs(total - free_logit) / abs(free_logit), CONSERVATION_TOLERANCE))
        os.remove(free_path)
    attribution, record = explain(lumen, path, x_path, "deeplift", target, out)
    row["deeplift"] = (f"fails: {record}" if attribution is None else
                       property_cell(record, "summation-to-delta", logit, DELTA_TOLERANCE))
    attribution, record = explain(lumen, path, x_path, "integrated-gradients", target, out,
                                  [f"steps={IG_STEPS}"])
    if attribution is None:
        row["ig"] = f"fails: {record}"
    else:
        row["ig"] = property_cell(record, "completeness", logit, float("inf"))
    row["seconds"] = time.monotonic() - started
    return row


def reference_logit(model, x, target):
    """PyTorch's float64 logit of the target class."""
    m = copy.deepcopy(model).to(torch.float64)
    with torch.no_grad():
        return m(torch.from_numpy(x).to(torch.float64))[0, target].item()


def check(lumen, name, opset, model, x, reference, work, methods):
    path = os.path.join(work, f"{name}_opset{opset}.onnx")
    why = export(model, x, path, opset)
    if why:
        return {"load": why}
    try:
        x_path = os.path.join(work, "input.npy")
        np.save(x_path, x)
        predicted = run_lumen(lumen, ["predict", "--model", path, "--input", x_path, "--json"])
        if predicted.returncode != 0:
            return {"load": "no: " + first_error(predicted.stderr)}
        logits = json.loads(predicted.stdout)["samples"][0]["logits"]
        row = {"load": "yes", "logits": relative_error(logits, reference["logits"])}
        out = os.path.join(work, "saliency.npy")
        explained = run_lumen(lumen, ["explain", "--model", path, "--input", x_path, "--method",
                                      "saliency", "--param", "abs=false", "--target",
                                      str(reference["target"]), "--out", out])
        if explained.returncode != 0:
            row["saliency_error"] = first_error(explained.stderr)
        else:
            row["saliency"] = relative_error(np.load(out), reference["saliency"])
        if methods:
            row["methods"] = check_methods(lumen, path, x_path, model, x, reference, work, opset,
                                           name)
        return row
    finally:
        if os.path.exists(path):
            os.remove(path)


def cell(value, tolerance):
    if value is None:
        return "–"
    return f"{value:.1e}" + ("" if value <= tolerance else " ✗")


def failed(cells):
    return any("✗" in c or c.startswith(("no:", "fails")) for c in cells)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=",".join(DEFAULT_MODELS),
                        help="comma list of torchvision model names, or `all` (every "
                             "classification architecture torchvision lists)")
    parser.add_argument("--opsets", default="11,13,17", help="comma list of ONNX opsets")
    parser.add_argument("--methods-opsets",
                        help="comma list of the opsets at which the methods run (default: the "
                             "last of --opsets; empty: none)")
    parser.add_argument("--lumen", default=os.path.join(REPO, "build", "bin", "lumen"))
    parser.add_argument("--work", help="directory for the exported models (default: a temporary "
                                       "one, removed at the end)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--backend", default=os.environ.get("LUMEN_TEST_BACKEND"),
                        help="lumen's --backend: the kernel backends to try first (default: "
                             "$LUMEN_TEST_BACKEND, which scripts/test.sh sets in its second and "
                             "third runs, else lumen's default order)")
    args = parser.parse_args()
    if args.backend:
        BACKEND.extend(["--backend", args.backend])
    torch.set_num_threads(1)
    if not os.access(args.lumen, os.X_OK):
        sys.exit(f"model_zoo.py: no lumen command at {args.lumen}; build it first "
                 "(scripts/build.sh) or give --lumen")
    if args.models == "all":
        models = torchvision.models.list_models(module=torchvision.models)
    else:
        models = [m for m in args.models.split(",") if m]
    opsets = [int(o) for o in args.opsets.split(",") if o]
    methods_opsets = (opsets[-1:] if args.methods_opsets is None else
                      [int(o) for o in args.methods_opsets.split(",") if o])
    work = args.work or tempfile.mkdtemp(prefix="lumen-model-zoo-")
    os.makedirs(work, exist_ok=True)
    print(f"torch {torch.__version__}, torchvision {torchvision.__version__}, "
          f"backend {args.backend or 'default order'}, seed {args.seed}; errors against PyTorch in float64, relative to the largest "
          f"magnitude; ✗ = above {LOGITS_TOLERANCE:g} (logits), above {SALIENCY_TOLERANCE:g} "
          f"and {NOISE_FACTOR}x the larger float32 noise measure (saliency)\n")
    print("| model | opset | loads / first error | logits max rel err | saliency max rel err "
          "| PyTorch float32 saliency err | float64 saliency jump: input | weights |")
    print("|---|---|---|---|---|---|---|---|")
    method_rows = []
    any_failed = False
    try:
        for name in models:
            size = INPUT_SIZE.get(name, 224)
            model = build_model(name, args.seed)
            rng = np.random.default_rng(args.seed)
            x = rng.standard_normal((1, 3, size, size)).astype(np.float32)
            reference = torch_reference(model, x)
            noise = max(reference["float32"], reference["jump"], reference["weight_jump"])
            for opset in opsets:
                row = check(args.lumen, name, opset, model, x, reference, work,
                            opset in methods_opsets)
                saliency = cell(row.get("saliency"),
                                max(SALIENCY_TOLERANCE, NOISE_FACTOR * noise))
                if "saliency_error" in row:
                    saliency = "fails: " + row["saliency_error"]
                logits = cell(row.get("logits"), LOGITS_TOLERANCE)
                any_failed |= failed([row["load"], logits, saliency])
                print(f"| {name} | {opset} | {row['load']} | {logits} | {saliency} | "
                      f"{reference['float32']:.1e} | {reference['jump']:.1e} | "
                      f"{reference['weight_jump']:.1e} |", flush=True)
                if "methods" in row:
                    m = row["methods"]
                    cells = [m["grad-cam"], m["lrp"], m["plus_free"], m["conservation"],
                             m["deeplift"], m["ig"]]
                    any_failed |= failed(cells)
                    method_rows.append(f"| {name} | {opset} | " + " | ".join(cells) +
                                       f" | {m['seconds']:.0f} |")
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    if method_rows:
        print(f"\nMethods on the class PyTorch predicts (`--threads 1`); ✗ = LRP conservation "
              f"error above {CONSERVATION_TOLERANCE:g}, DeepLIFT summation-to-delta error above "
              f"{DELTA_TOLERANCE:g}, or a non-finite result\n")
        print("| model | opset | grad-cam runs | lrp epsilon-plus: sum R / f_c | without biases: "
              "lrp epsilon-plus sum R / f_c | without biases: lrp epsilon conservation err | "
              "deeplift: summation-to-delta err | "
              f"integrated-gradients ({IG_STEPS} steps): completeness err | seconds |")
        print("|---|---|---|---|---|---|---|---|---|")
        for line in method_rows:
            print(line)
    sys.exit(1 if any_failed else 0)


if __name__ == "__main__":
    main()
