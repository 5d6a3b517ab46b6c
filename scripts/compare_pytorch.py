#!/usr/bin/python3
"""Checks lumen against PyTorch on exported models.

Defines three small classifiers with seeded random weights (LeNet-style, VGG-style with
BatchNorm, ResNet-style with residual adds and BatchNorm), exports each to ONNX (opsets 9, 11, 13
and 17 by default) with a dynamic batch, and runs every check in scripts/pytorch_reference/checks/
on each: one module per method, comparing lumen's raw output with the same quantity computed in
PyTorch. A difference is max|lumen - torch| / max|torch| over the whole tensor (normwise
relative, so values near zero do not dominate). Exits with status 1 when any difference exceeds
--tolerance.

Needs Debian's python3-torch and python3-onnx (run with /usr/bin/python3) and a built `lumen`.
"""

import argparse
import importlib
import os
import pkgutil
import shutil
import sys
import tempfile

try:
    import numpy as np
    import onnx  # noqa: F401  (torch.onnx.export needs it)
    import torch
except ImportError as missing:
    # 77: CTest's SKIP_RETURN_CODE for this test; the reason is printed, never silent.
    print(f"skipped: {missing.name} is not installed (scripts/setup.sh --with-pytorch installs it)")
    sys.exit(77)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pytorch_reference import checks  # noqa: E402
from pytorch_reference.common import (LeNet, ResNet, VGG, Case, LumenFailed, export,  # noqa: E402
                                      seeded)


def load_checks(only):
    modules = [importlib.import_module(f"pytorch_reference.checks.{m.name}")
               for m in pkgutil.iter_modules(checks.__path__)]
    modules.sort(key=lambda m: m.NAME)
    if only:
        wanted = set(only.split(","))
        modules = [m for m in modules if m.NAME in wanted]
        if not modules:
            sys.exit(f"no check named {only}")
    return modules


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
    parser.add_argument("--checks", help="comma-separated check names (default: all)")
    parser.add_argument("--keep", help="write the models and arrays here instead of a temp dir")
    args = parser.parse_args()
    lumen = shutil.which(args.lumen) or sys.exit(f"cannot find the lumen executable '{args.lumen}'")
    selected = load_checks(args.checks)

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
            input_file = os.path.join(directory, f"{name}-input.npy")
            np.save(input_file, x.numpy())
            for opset in (int(o) for o in args.opsets.split(",")):
                model_file = os.path.join(directory, f"{name}-opset{opset}.onnx")
                export(model, x, model_file, opset)
                case = Case(name, model, x, target, lumen, directory, model_file, input_file)
                results = []
                for check in selected:
                    try:
                        difference = check.check(case)
                    except LumenFailed as error:
                        failed = True
                        results.append(f"{check.NAME} FAIL: {error}")
                        continue
                    ok = difference <= args.tolerance
                    failed = failed or not ok
                    results.append(f"{check.NAME} {difference:.2e}{'' if ok else ' FAIL'}")
                print(f"{name:7s} opset {opset:2d}  " + "  ".join(results))
    finally:
        if not args.keep:
            shutil.rmtree(directory, ignore_errors=True)
    print(f"tolerance {args.tolerance:.0e}: {'FAILED' if failed else 'all within'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
