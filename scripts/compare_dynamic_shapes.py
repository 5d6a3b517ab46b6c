#!/usr/bin/python3
"""Checks lumen against PyTorch on models exported with dynamic height and width.

  - torchvision's resnet18 (random weights, seed 0) exported at opset 13 with
    dynamic_axes={'input': {0: 'batch', 2: 'height', 3: 'width'}}: lumen's logits against
    PyTorch's (float64) at 224x224 and at 160x192, the size taken from the .npy input and given
    with --input-shape;
  - a small CNN that flips with torch.flip (exported as Slice with steps -1), against PyTorch.
Prints max |lumen - torch| / max |torch| per case. Run with /usr/bin/python3 (torch 1.13):

    /usr/bin/python3 scripts/compare_dynamic_shapes.py [--lumen build/bin/lumen] [--work DIR]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import torch
import torchvision

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DYNAMIC = {"input": {0: "batch", 2: "height", 3: "width"}}


class FlipNet(torch.nn.Module):
    """Flips the image left-right, convolves, flips the channels and the rows, then GAP + Linear."""

    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 8, 3, padding=1)
        self.fc = torch.nn.Linear(8, 5)

    def forward(self, x):
        x = torch.relu(self.conv(torch.flip(x, dims=[3])))
        x = torch.flip(x, dims=[1, 2])[:, :, :, 1:]
        return self.fc(x.mean(dim=(2, 3)))


def export(model, path, size):
    torch.onnx.export(model, torch.zeros(1, 3, *size), path, opset_version=13,
                      input_names=["input"], output_names=["logits"], dynamic_axes=DYNAMIC)
    return [n.op_type for n in onnx.load(path).graph.node]


def lumen_logits(lumen, model_path, x, work, extra):
    x_path = os.path.join(work, "x.npy")
    np.save(x_path, x.numpy().astype(np.float32))
    r = subprocess.run([lumen, "predict", "--model", model_path, "--input", x_path, "--json",
                        "--threads", "1"] + extra, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"lumen failed: {r.stderr}")
    return np.array([s["logits"] for s in json.loads(r.stdout)["samples"]])


def relative_error(actual, expected):
    return float(np.max(np.abs(actual - expected)) / np.max(np.abs(expected)))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lumen", default=os.path.join(REPO, "build", "bin", "lumen"))
    parser.add_argument("--work")
    args = parser.parse_args()
    work = args.work or tempfile.mkdtemp(prefix="lumen-dynamic-")
    torch.manual_seed(0)
    resnet = torchvision.models.resnet18(weights=None).eval()
    torch.manual_seed(0)
    flip = FlipNet().eval()
    print("| model | input | size from | max rel. error |\n|---|---|---|---|")
    for name, model in (("resnet18", resnet), ("flip", flip)):
        path = os.path.join(work, name + ".onnx")
        ops = export(model, path, (224, 224))
        if name == "flip":
            print(f"<!-- flip exports as: {', '.join(sorted(set(ops)))} -->")
        for h, w in ((224, 224), (160, 192)):
            torch.manual_seed(h * 1000 + w)
            x = torch.randn(2, 3, h, w)
            with torch.no_grad():
                reference = model.double()(x.double()).numpy()
            model.float()
            for source, extra in (("the .npy", []), ("--input-shape", ["--input-shape",
                                                                      f"3,{h},{w}"])):
                got = lumen_logits(args.lumen, path, x, work, extra)
                print(f"| {name} | 2x3x{h}x{w} | {source} | "
                      f"{relative_error(got, reference):.1e} |")


if __name__ == "__main__":
    main()
