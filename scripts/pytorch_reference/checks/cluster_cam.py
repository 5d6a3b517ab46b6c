"""`cluster-cam relu=false` against the same computation in PyTorch, given lumen's clustering.

K-means++ draws from lumen's own random streams, so the clusters are taken from lumen's record
(`cluster_of_map`); everything after them is recomputed here: each cluster's mean map F_q,
y_q = softmax(model(x * s(Up(F_q))))[c], base = argmax y, scissors = argmin y,
L = F_base - (1 - lambda) F_scissors, bilinear upsampling. The scores are compared too.
"""
import json
import os

import numpy as np
import torch
from torch import nn

from ..common import LumenFailed, relative_difference

NAME = "cluster-cam"
LAMBDA = 0.3


def check(case):
    lumen_map = case.explain("cluster-cam", ["relu=false", "clusters=4", f"lambda={LAMBDA}"])
    record_file = os.path.join(case.directory,
                               f"{os.path.basename(case.model_file)}-cluster-cam.json")
    with open(record_file) as f:
        samples = json.load(f)["samples"]
    with torch.no_grad():
        features, _ = case.model.features_and_logits(case.x)
        expected, worst_score = [], 0.0
        for s, sample in enumerate(samples):
            details = sample["details"]
            labels = np.array(details["cluster_of_map"], dtype=np.int64)
            q = len(details["cluster_scores"])
            a = features[s].double()
            reps = []
            for cl in range(q):
                members = np.nonzero(labels == cl)[0]
                if len(members) == 0:
                    raise LumenFailed(f"sample {s}: cluster {cl} is empty; pick another case")
                reps.append(a[members].mean(dim=0))
            reps = torch.stack(reps)[None]
            up = nn.functional.interpolate(reps, size=case.x.shape[2:], mode="bilinear",
                                           align_corners=False)[0]
            flat = up.flatten(1)
            low = flat.min(dim=1).values[:, None, None]
            span = flat.max(dim=1).values[:, None, None] - low
            masks = torch.where(span > 0, (up - low) / torch.where(span > 0, span, 1.0),
                                torch.zeros_like(up))
            masked = (case.x[s:s + 1].double() * masks[:, None]).float()
            scores = torch.softmax(case.model(masked), dim=1)[:, case.target].double()
            got = np.array(details["cluster_scores"])
            worst_score = max(worst_score, float(np.abs(got - scores.numpy()).max()))
            base, scissors = int(scores.argmax()), int(scores.argmin())
            if (base, scissors) != (details["cognition_base"], details["cognition_scissors"]):
                raise LumenFailed(f"sample {s}: base/scissors {base}/{scissors} in PyTorch, "
                                  f"{details['cognition_base']}/{details['cognition_scissors']} "
                                  "in lumen")
            expected.append(reps[0, base] - (1.0 - LAMBDA) * reps[0, scissors])
        cam = torch.stack(expected)[:, None]
    if worst_score > 1e-4:
        raise LumenFailed(f"cluster scores differ by up to {worst_score:.3g}")
    up = nn.functional.interpolate(cam, size=case.x.shape[2:], mode="bilinear",
                                   align_corners=False)
    return relative_difference(lumen_map, up.numpy())
