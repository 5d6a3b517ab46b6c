#pragma once
// The adversarial perturbations dice-under-attack stresses explanations with. Gradients come from
// core propagation with the gradient rule.
#include <cstdint>
#include <lumen/context.hpp>
#include <lumen/model.hpp>
#include <span>

namespace lumen::attacks {

/// FGSM (Goodfellow et al. 2015): x + epsilon * sign(d CE(softmax(f(x)), c) / dx) per sample,
/// with sign(0) = 0. One forward and one backward pass per sample.
Tensor fgsm(const Model& model, const Tensor& input, std::span<const std::int64_t> targets,
            double epsilon, Context& context);

struct DeepFoolOptions {
  std::int64_t max_iterations = 50;
  double overshoot = 0.02;
  std::int64_t candidates = 10;  ///< other classes considered: the highest logits at x
};

/// DeepFool (Moosavi-Dezfooli et al. 2016), per sample, against its target class c: while f(x_i)
/// still ranks c first (at most max_iterations times), step to the linearised nearest boundary
/// between c and a candidate class k, r_i = (|f_k - f_c| + 1e-4) / ||w||^2 w with w = grad f_k -
/// grad f_c, and set x_{i+1} = x + (1 + overshoot) sum r_i. A sample not classified as c is
/// returned unchanged.
Tensor deepfool(const Model& model, const Tensor& input, std::span<const std::int64_t> targets,
                const DeepFoolOptions& options, Context& context);

}  // namespace lumen::attacks
