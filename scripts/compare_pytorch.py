#!/usr/bin/python3
"""Checks lumen against PyTorch on exported models.

Defines three small classifiers with seeded random weights (LeNet-style, VGG-style with
BatchNorm, ResNet-style with residual adds and BatchNorm), exports each to ONNX (opsets 9, 11, 13 and 17 by default) with a
dynamic batch, and compares, for a random input batch:
  - the logits of `lumen predict --json` with PyTorch's, and
  - the saliency map of `lumen explain --method saliency --param abs=false --target T` with
    PyTorch autograd's gradient of logit T with respect to the input, and
  - `lumen explain --method grad-cam --param relu=false` (default layer) with Grad-CAM computed
    directly in PyTorch
    on the last spatial feature map, upsampled with F.interpolate(bilinear, align_corners=False).
A difference is max|lumen - torch| / max|torch| over the whole tensor (normwise relative, so values
near zero do not dominate). Exits with status 1 when any difference exceeds --tolerance.

Needs Debian's python3-torch and python3-onnx (run with /usr/bin/python3) and a built `lumen`.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

try:
    import numpy as np
    import onnx  # noqa: F401  (torch.onnx.export needs it)
    import torch
    from torch import nn
except ImportError as missing:
    # 77: CTest's SKIP_RETURN_CODE for this test; the reason is printed, never silent.
    print(f"skipped: {missing.name} is not installed (scripts/setup.sh --with-pytorch installs it)")
    sys.exit(77)


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def features_and_logits(self, x):
        x = nn.functional.max_pool2d(torch.relu(self.conv1(x)), 2)
        features = nn.functional.max_pool2d(torch.relu(self.conv2(x)), 2)
        x = features.view(features.size(0), -1)  # exported as Shape->Gather->Unsqueeze->Concat->Reshape
        x = torch.relu(self.fc1(x))
        x = torch.relu(self.fc2(x))
        return features, self.fc3(x)

    def forward(self, x):
        return self.features_and_logits(x)[1]


def conv_bn_relu(cin, cout):
    return [nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU()]


class VGG(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            *conv_bn_relu(3, 8), *conv_bn_relu(8, 8), nn.MaxPool2d(2),
            *conv_bn_relu(8, 16), nn.MaxPool2d(2),
            *conv_bn_relu(16, 16), nn.AvgPool2d(2))
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(16 * 4 * 4, 32), nn.ReLU(), nn.Dropout(), nn.Linear(32, 10))

    def features_and_logits(self, x):
        features = self.features(x)
        return features, self.classifier(features)

    def forward(self, x):
        return self.features_and_logits(x)[1]


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = nn.Sequential()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                          nn.BatchNorm2d(cout))

    def forward(self, x):
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return torch.relu(out + self.shortcut(x))


class ResNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(*conv_bn_relu(3, 8))
        self.layer1 = BasicBlock(8, 8, 1)
        self.layer2 = BasicBlock(8, 16, 2)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, 10)

    def features_and_logits(self, x):
        features = self.layer2(self.layer1(self.stem(x)))
        return features, self.fc(torch.flatten(self.pool(features), 1))

    def forward(self, x):
        return self.features_and_logits(x)[1]


def seeded(model_class, seed):
    """The model with random weights and BatchNorm statistics, in evaluation mode."""
    torch.manual_seed(seed)
    model = model_class()
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.5, 0.5)
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 1.5)
    return model.eval()


def export(model, x, path, opset):
    # PRESERVE exports the evaluation-mode model without folding BatchNormalization into the
    # convolutions (which EVAL does), and without constant folding the shape computations stay
    # in the file: both exercise more of the importer.
    torch.onnx.export(model, x, path, opset_version=opset, input_names=["input"],
                      output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
                      training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False)


def relative_difference(actual, expected):
    scale = max(float(np.abs(expected).max()), 1e-12)
    return float(np.abs(actual - expected).max()) / scale


class LumenFailed(Exception):
    pass


def run_lumen(lumen, args):
    result = subprocess.run([lumen] + args, capture_output=True, text=True)
    if result.returncode != 0:
        raise LumenFailed(f"`lumen {' '.join(args)}` failed (status {result.returncode}):\n"
                          f"{result.stderr.strip()}")
    return result.stdout


def compare(name, model, x, target, lumen, directory, opset):
    model_file = os.path.join(directory, f"{name}-opset{opset}.onnx")
    input_file = os.path.join(directory, f"{name}-input.npy")
    gradient_file = os.path.join(directory, f"{name}-saliency.npy")
    export(model, x, model_file, opset)
    np.save(input_file, x.numpy())

    expected_input = x.clone().requires_grad_(True)
    expected_logits = model(expected_input)
    expected_logits[:, target].sum().backward()

    doc = json.loads(run_lumen(lumen, ["predict", "--model", model_file, "--input", input_file,
                                       "--json"]))
    logits = np.array([sample["logits"] for sample in doc["samples"]], dtype=np.float64)
    run_lumen(lumen, ["explain", "--model", model_file, "--input", input_file, "--method",
                      "saliency", "--param", "abs=false", "--target", str(target), "--out",
                      gradient_file])
    gradient = np.load(gradient_file).astype(np.float64)

    expected_gradient = expected_input.grad.numpy().astype(np.float64)
    if gradient.shape != expected_gradient.shape:
        raise LumenFailed(f"lumen's gradient has shape {gradient.shape}, PyTorch's "
                          f"{expected_gradient.shape}")

    # Grad-CAM at lumen's default layer (the last spatial map before the logits), computed
    # directly: alpha_k = spatial mean of d logit / d A^k, sum_k alpha_k A^k, then bilinear
    # upsampling with half-pixel centres. Compared without the final ReLU (relu=false), which
    # can zero a whole map and hide a difference.
    cam_file = os.path.join(directory, f"{name}-grad-cam.npy")
    run_lumen(lumen, ["explain", "--model", model_file, "--input", input_file, "--method",
                      "grad-cam", "--param", "relu=false", "--target", str(target), "--out",
                      cam_file])
    features, cam_logits = model.features_and_logits(x)
    features.retain_grad()
    cam_logits[:, target].sum().backward()
    alpha = features.grad.mean(dim=(2, 3), keepdim=True)
    cam = (alpha * features).sum(dim=1, keepdim=True)
    if float(cam.abs().max()) == 0.0:
        raise LumenFailed("the reference Grad-CAM map is all zero; the comparison would prove nothing")
    expected_cam = nn.functional.interpolate(cam, size=x.shape[2:], mode="bilinear",
                                             align_corners=False)
    cam_map = np.load(cam_file).astype(np.float64)
    expected_cam = expected_cam.detach().numpy().astype(np.float64)
    if cam_map.shape != expected_cam.shape:
        raise LumenFailed(f"lumen's grad-cam has shape {cam_map.shape}, PyTorch's "
                          f"{expected_cam.shape}")
    return (relative_difference(logits, expected_logits.detach().numpy().astype(np.float64)),
            relative_difference(gradient, expected_gradient),
            relative_difference(cam_map, expected_cam))


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lumen", default=os.environ.get("LUMEN", "lumen"),
                        help="the lumen executable (default: $LUMEN or `lumen` on PATH)")
    parser.add_argument("--tolerance", type=float, default=1e-4,
                        help="largest accepted relative difference (default 1e-4)")
    parser.add_argument("--batch", type=int, default=2, help="input samples (default 2)")
    parser.add_argument("--opsets", default="9,11,13,17",
                        help="comma-separated ONNX opsets to export at (default 9,11,13,17)")
    parser.add_argument("--keep", help="write the models and arrays here instead of a temp dir")
    args = parser.parse_args()
    lumen = shutil.which(args.lumen) or sys.exit(f"cannot find the lumen executable '{args.lumen}'")

    directory = args.keep or tempfile.mkdtemp(prefix="lumen-compare-")
    os.makedirs(directory, exist_ok=True)
    failed = False
    try:
        for seed, (name, model_class, target) in enumerate(
                [("lenet", LeNet, 3), ("vgg", VGG, 7), ("resnet", ResNet, 1)]):
            model = seeded(model_class, seed)
            x = torch.from_numpy(
                np.random.default_rng(100 + seed).standard_normal((args.batch, 3, 32, 32))
                .astype(np.float32))
            for opset in (int(o) for o in args.opsets.split(",")):
                try:
                    logits, gradient, cam = compare(name, model, x, target, lumen, directory,
                                                    opset)
                except LumenFailed as error:
                    failed = True
                    print(f"{name:7s} opset {opset:2d} FAIL: {error}")
                    continue
                ok = max(logits, gradient, cam) <= args.tolerance
                failed = failed or not ok
                print(f"{name:7s} opset {opset:2d} logits {logits:.2e}  "
                      f"gradient of logit {target} {gradient:.2e}  grad-cam {cam:.2e}  "
                      f"{'ok' if ok else 'FAIL'}")
    finally:
        if not args.keep:
            shutil.rmtree(directory, ignore_errors=True)
    print(f"tolerance {args.tolerance:.0e}: {'FAILED' if failed else 'all within'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
