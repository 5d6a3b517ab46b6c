"""The Python libraries a user would otherwise explain a model with, called as their documentation
shows, with the parameters lumen's side of the benchmark uses: Captum (gradients, DeepLIFT,
integrated gradients, SmoothGrad, occlusion), Zennit (LRP) and pytorch-grad-cam (Grad-CAM,
Score-CAM). None of them is a Debian package; the benchmark imports whichever is on PYTHONPATH
(e.g. a source checkout's package folder) and reports the others as missing, with the reason.

Each entry maps a lumen method to (library, function of a compare_pytorch.Model)."""

import importlib

import torch

# Set by compare_pytorch before use (its constants, kept in one place).
SETTINGS = {}


def _captum(name):
    return getattr(importlib.import_module("captum.attr"), name)


def _captum_gradient(cls, **kwargs):
    def explain(m):
        return _captum(cls)(m.net).attribute(m.x.clone().requires_grad_(True), target=m.target,
                                             **kwargs)

    return explain


def _deeplift(m):
    return _captum("DeepLift")(m.net).attribute(m.x.clone().requires_grad_(True),
                                                baselines=torch.zeros_like(m.x), target=m.target)


def _integrated_gradients(m):
    steps = SETTINGS["steps"]
    return _captum("IntegratedGradients")(m.net).attribute(
        m.x, baselines=torch.zeros_like(m.x), target=m.target, n_steps=steps,
        method="gausslegendre", internal_batch_size=steps)


def _smoothgrad(m):
    samples = SETTINGS["samples"]
    sigma = SETTINGS["noise_level"] * float(m.x.max() - m.x.min())
    tunnel = _captum("NoiseTunnel")(_captum("Saliency")(m.net))
    return tunnel.attribute(m.x, nt_type="smoothgrad", nt_samples=samples,
                            nt_samples_batch_size=samples, stdevs=sigma, target=m.target)


def _occlusion(m):
    window, stride = SETTINGS["occlusion_geometry"](m)
    channels = m.x.shape[1]
    return _captum("Occlusion")(m.net).attribute(
        m.x, sliding_window_shapes=(channels, window, window), strides=(channels, stride, stride),
        baselines=0, target=m.target, perturbations_per_eval=SETTINGS["mask_batch"])


def _zennit_epsilon_plus(m):
    composites = importlib.import_module("zennit.composites")
    attribution = importlib.import_module("zennit.attribution")
    one_hot = torch.eye(SETTINGS["classes"](m))[[m.target]]
    with attribution.Gradient(model=m.net, composite=composites.EpsilonPlus()) as attributor:
        return attributor(m.x.clone().requires_grad_(True), one_hot)[1]


def _grad_cams(cls, **kwargs):
    def explain(m):
        cams = importlib.import_module("pytorch_grad_cam")
        targets = importlib.import_module("pytorch_grad_cam.utils.model_targets")
        with getattr(cams, cls)(model=m.net, target_layers=[m.layer]) as cam:
            for name, value in kwargs.items():
                setattr(cam, name, value)
            # The parameters do not require gradients (compare_pytorch), so the input must.
            return cam(input_tensor=m.x.clone().requires_grad_(True),
                       targets=[targets.ClassifierOutputTarget(m.target)])

    return explain


def _score_cam(m):
    return _grad_cams("ScoreCAM", batch_size=SETTINGS["mask_batch"])(m)


LIBRARIES = {
    "saliency": ("Captum Saliency", _captum_gradient("Saliency", abs=True)),
    "input-x-gradient": ("Captum InputXGradient", _captum_gradient("InputXGradient")),
    "guided-backprop": ("Captum GuidedBackprop", _captum_gradient("GuidedBackprop")),
    "deconvnet": ("Captum Deconvolution", _captum_gradient("Deconvolution")),
    "grad-cam": ("pytorch-grad-cam GradCAM", _grad_cams("GradCAM")),
    "lrp": ("Zennit EpsilonPlus", _zennit_epsilon_plus),
    "deeplift": ("Captum DeepLift", _deeplift),
    "integrated-gradients": ("Captum IntegratedGradients", _integrated_gradients),
    "smoothgrad": ("Captum NoiseTunnel(Saliency)", _smoothgrad),
    "score-cam": ("pytorch-grad-cam ScoreCAM", _score_cam),
    "occlusion": ("Captum Occlusion", _occlusion),
}

_PACKAGES = {"Captum": "captum.attr", "Zennit": "zennit.composites",
             "pytorch-grad-cam": "pytorch_grad_cam"}


def available(method):
    """(label, function) of the library for `method`, or (label, reason it cannot run)."""
    if method not in LIBRARIES:
        return None, "no library equivalent"
    label, explain = LIBRARIES[method]
    package = _PACKAGES[label.split(" ")[0]]
    try:
        importlib.import_module(package)
    except Exception as error:  # any import failure means the library cannot be timed here
        return label, f"{package} not importable ({type(error).__name__}: {error})"
    return label, explain
