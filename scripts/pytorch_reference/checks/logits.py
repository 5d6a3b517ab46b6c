"""`lumen predict --json` against the PyTorch model's logits."""
import json

import numpy as np

from ..common import relative_difference, run_lumen

NAME = "logits"


def check(case):
    doc = json.loads(run_lumen(case.lumen, ["predict", "--model", case.model_file, "--input",
                                            case.input_file, "--json"]))
    logits = np.array([sample["logits"] for sample in doc["samples"]], dtype=np.float64)
    expected = case.model(case.x).detach().numpy().astype(np.float64)
    return relative_difference(logits, expected)
