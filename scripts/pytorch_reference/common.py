"""Shared by the PyTorch reference checks: seeded models, ONNX export and running lumen.

Needs Debian's python3-torch and python3-onnx (run with /usr/bin/python3).
"""
import os
import subprocess
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn


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
        features = torch.relu(self.conv2(x))  # lumen's default layer: the pooling after it is not
        return features, self.head(features)

    def head(self, features):
        x = nn.functional.max_pool2d(features, 2)
        x = x.view(x.size(0), -1)  # exported as Shape->Gather->Unsqueeze->Concat->Reshape
        x = torch.relu(self.fc1(x))
        x = torch.relu(self.fc2(x))
        return self.fc3(x)

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
        features = self.features[:-1](x)  # lumen's default layer: the last ReLU, before the pool
        return features, self.head(features)

    def head(self, features):
        return self.classifier(self.features[-1](features))

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
        return features, self.head(features)

    def head(self, features):
        return self.fc(torch.flatten(self.pool(features), 1))

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



@dataclass
class Case:
    """One model exported at one opset, with an input batch and a target class."""
    name: str
    model: nn.Module
    x: torch.Tensor
    target: int
    lumen: str
    directory: str
    model_file: str
    input_file: str

    def explain(self, method, params=(), extra=()):
        """Runs `lumen explain` and returns the raw .npy map as float64."""
        out = os.path.join(self.directory, f"{os.path.basename(self.model_file)}-{method}.npy")
        args = ["explain", "--model", self.model_file, "--input", self.input_file, "--method",
                method, "--target", str(self.target), "--out", out]
        for p in params:
            args += ["--param", p]
        run_lumen(self.lumen, args + list(extra))
        return np.load(out).astype(np.float64)

    def input_gradient(self, x=None, model=None):
        """d logit[target] / d input by autograd, summed over the batch's samples."""
        x = (self.x if x is None else x).clone().requires_grad_(True)
        (model or self.model)(x)[:, self.target].sum().backward()
        return x.grad
