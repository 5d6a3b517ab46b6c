"""`saliency abs=false` against autograd's input gradient of the target logit."""
from ..common import relative_difference

NAME = "saliency"


def check(case):
    expected = case.input_gradient().numpy()
    return relative_difference(case.explain("saliency", ["abs=false"]), expected)
