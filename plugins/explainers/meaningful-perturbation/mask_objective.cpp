#include "mask_objective.hpp"

#include <algorithm>
#include <cmath>
#include <lumen/detail/map_math.hpp>
#include <lumen/propagation.hpp>
#include <lumen/resample.hpp>
#include <lumen/rule.hpp>
#include <lumen/trace.hpp>

#include "mask_ops.hpp"

namespace lumen::meaningful_perturbation {
namespace {

// Softmax of one row of logits, in double.
std::vector<double> softmax_row(const float* logits, std::int64_t classes) {
  std::vector<double> p(static_cast<std::size_t>(classes));
  const double top = *std::max_element(logits, logits + classes);
  double total = 0.0;
  for (std::int64_t j = 0; j < classes; ++j) {
    p[static_cast<std::size_t>(j)] = std::exp(static_cast<double>(logits[j]) - top);
    total += p[static_cast<std::size_t>(j)];
  }
  for (double& v : p) v /= total;
  return p;
}

}  // namespace

Tensor perturbed_input(const MaskProblem& problem, const Tensor& masks) {
  const Tensor& x = problem.input;
  const std::int64_t n = x.dim(0), channels = x.dim(1), pixels = x.dim(2) * x.dim(3);
  const Tensor up = upsample_bilinear(masks, x.dim(2), x.dim(3));
  Tensor out = Tensor::uninitialised(x.shape());
  const std::int64_t per = channels * pixels;
  for (std::int64_t s = 0; s < n; ++s) {
    detail::blend_by_mask(
        x.values().subspan(s * per, per), problem.blurred.values().subspan(s * per, per),
        up.values().subspan(s * pixels, pixels), out.values().subspan(s * per, per));
  }
  return out;
}

MaskEvaluation evaluate_masks(const MaskProblem& problem, const Tensor& masks, bool gradient,
                              Context& context) {
  const Model& model = problem.model;
  const Tensor& x = problem.input;
  const std::int64_t n = x.dim(0), channels = x.dim(1), pixels = x.dim(2) * x.dim(3);
  const std::int64_t h = masks.dim(2), w = masks.dim(3), cells = h * w;
  const Tensor perturbed = perturbed_input(problem, masks);
  const NodeId logits_node = model.logits_node();
  const Trace trace = gradient ? run_forward(model, perturbed, context)
                               : run_forward(model, perturbed, context, {false, {logits_node}});
  const Tensor& logits = trace.output(logits_node);
  const std::int64_t classes = logits.size() / n;

  MaskEvaluation e;
  Tensor start(logits.shape());
  for (std::int64_t s = 0; s < n; ++s) {
    const std::int64_t c = problem.targets[static_cast<std::size_t>(s)];
    const auto p = softmax_row(logits.data() + s * classes, classes);
    const double pc = p[static_cast<std::size_t>(c)];
    // dS_c/dz_j = S_c (delta_cj - S_j)
    for (std::int64_t j = 0; j < classes; ++j)
      start[s * classes + j] =
          static_cast<float>(pc * ((j == c ? 1.0 : 0.0) - p[static_cast<std::size_t>(j)]));
    const float* m = masks.data() + s * cells;
    double deleted = 0.0;
    for (std::int64_t i = 0; i < cells; ++i) deleted += 1.0 - static_cast<double>(m[i]);
    const double tv = total_variation(m, h, w, problem.tv_beta, 1.0, nullptr);
    e.probability.push_back(pc);
    e.objective.push_back(problem.l1 * deleted / static_cast<double>(cells) + problem.tv * tv + pc);
  }
  if (!gradient) return e;

  const NodeId input_node = model.graph().input();
  auto signals = propagate(model, trace, RuleMap(gradient_rule()),
                           {logits_node, std::move(start), {input_node}}, context);
  const Tensor& g = signals.at(input_node);
  // dS/dM = sum over channels of (x - b) * dS/dx~.
  Tensor d_upsampled({n, 1, x.dim(2), x.dim(3)});
  for (std::int64_t s = 0; s < n; ++s)
    for (std::int64_t i = 0; i < pixels; ++i) {
      double acc = 0.0;
      for (std::int64_t c = 0; c < channels; ++c) {
        const std::int64_t v = (s * channels + c) * pixels + i;
        acc += (static_cast<double>(x[v]) - problem.blurred[v]) * g[v];
      }
      d_upsampled[s * pixels + i] = static_cast<float>(acc);
    }
  e.gradient = upsample_bilinear_transpose(d_upsampled, h, w);
  std::vector<double> penalty(static_cast<std::size_t>(cells));
  for (std::int64_t s = 0; s < n; ++s) {
    std::fill(penalty.begin(), penalty.end(), -problem.l1 / static_cast<double>(cells));
    total_variation(masks.data() + s * cells, h, w, problem.tv_beta, problem.tv, penalty.data());
    for (std::int64_t i = 0; i < cells; ++i)
      e.gradient[s * cells + i] += static_cast<float>(penalty[static_cast<std::size_t>(i)]);
  }
  return e;
}

}  // namespace lumen::meaningful_perturbation
