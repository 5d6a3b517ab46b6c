"""`input-x-gradient` against x * autograd's input gradient of the target logit (Captum's
InputXGradient)."""
from ..common import relative_difference

NAME = "input-x-gradient"


def check(case):
    expected = (case.x * case.input_gradient()).numpy()
    return relative_difference(case.explain("input-x-gradient"), expected)
