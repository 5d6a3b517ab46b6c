#include "attacks.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <lumen/batching.hpp>
#include <lumen/propagation.hpp>
#include <lumen/rule.hpp>
#include <lumen/trace.hpp>
#include <numeric>
#include <vector>

namespace lumen::attacks {

namespace {

/// Logits [N,K] of `input` and the input gradient of sum_k start[n,k] f_k for each sample.
struct Gradients {
  Tensor logits;
  Tensor input_gradient;
};

template <typename StartOf>
Gradients gradients(const Model& model, const Tensor& input, Context& context, StartOf start_of) {
  const Trace trace = run_forward(model, input, context);
  const NodeId logits_node = model.logits_node();
  Gradients g{trace.output(logits_node), {}};
  const Tensor start = start_of(g.logits);
  const NodeId input_node = model.graph().input();
  auto signals = propagate(model, trace, RuleMap(gradient_rule()),
                           PropagationRequest{logits_node, start, {input_node}}, context);
  g.input_gradient = std::move(signals.at(input_node));
  return g;
}

}  // namespace

Tensor fgsm(const Model& model, const Tensor& input, std::span<const std::int64_t> targets,
            double epsilon, Context& context) {
  const Gradients g = gradients(model, input, context, [&](const Tensor& logits) {
    Tensor start = softmax_rows(logits);  // d CE / d f = softmax - one-hot
    for (std::int64_t n = 0; n < start.dim(0); ++n) start[n * start.dim(1) + targets[n]] -= 1.0F;
    return start;
  });
  Tensor adversarial = input;
  for (std::int64_t i = 0; i < input.size(); ++i) {
    const float d = g.input_gradient[i];
    const float sign = d > 0.0F ? 1.0F : (d < 0.0F ? -1.0F : 0.0F);
    adversarial[i] += static_cast<float>(epsilon) * sign;
  }
  return adversarial;
}

namespace {

Tensor deepfool_sample(const Model& model, const Tensor& x, std::int64_t c,
                       const DeepFoolOptions& options, Context& context) {
  const std::int64_t size = x.size(), classes = model.class_count();
  // Candidates: the classes other than c with the highest logits at x (ties by index).
  const Tensor first = predict_logits(model, x, context);
  std::vector<std::int64_t> others;
  for (std::int64_t k = 0; k < classes; ++k) {
    if (k != c) others.push_back(k);
  }
  std::stable_sort(others.begin(), others.end(),
                   [&](std::int64_t a, std::int64_t b) { return first[a] > first[b]; });
  others.resize(static_cast<std::size_t>(std::min<std::int64_t>(options.candidates, classes - 1)));
  std::vector<std::int64_t> rows{c};  // the gradient of every class of interest, one batch row each
  rows.insert(rows.end(), others.begin(), others.end());
  const auto m = static_cast<std::int64_t>(rows.size());
  // The rows run in gradient passes of as many copies as the pass memory holds; only the gradient
  // of c and that of the best candidate so far are kept between passes.
  const std::int64_t per_pass = samples_per_pass(model, context, PassKind::gradient, m);

  std::vector<double> total(static_cast<std::size_t>(size), 0.0);
  std::vector<float> g0(static_cast<std::size_t>(size)), best_w(static_cast<std::size_t>(size));
  std::vector<float> f(static_cast<std::size_t>(classes));  // the logits at `current`
  Tensor current = x;
  for (std::int64_t iteration = 0; iteration < options.max_iterations; ++iteration) {
    double best = std::numeric_limits<double>::infinity(), best_gap = 0.0, best_norm2 = 0.0;
    std::int64_t best_row = -1;
    bool reached = false;  // c no longer ranks first
    for (std::int64_t first_row = 0; first_row < m && !reached; first_row += per_pass) {
      const std::int64_t count = std::min(per_pass, m - first_row);
      std::vector<Tensor> copies(static_cast<std::size_t>(count), current);
      const Gradients g =
          gradients(model, Tensor::concat_batch(copies), context, [&](const Tensor& logits) {
            Tensor start(logits.shape());
            for (std::int64_t r = 0; r < count; ++r)
              start[r * classes + rows[static_cast<std::size_t>(first_row + r)]] = 1.0F;
            return start;
          });
      if (first_row == 0) {  // row 0: c's gradient, and the logits at `current`
        std::copy_n(g.logits.data(), classes, f.data());
        std::copy_n(g.input_gradient.data(), size, g0.data());
        if (std::max_element(f.begin(), f.end()) - f.begin() != c) reached = true;
      }
      for (std::int64_t r = first_row == 0 ? 1 : 0; r < count && !reached; ++r) {
        const float* gr = g.input_gradient.data() + r * size;
        double norm2 = 0.0;
        for (std::int64_t i = 0; i < size; ++i) {
          const double w = gr[i] - g0[static_cast<std::size_t>(i)];
          norm2 += w * w;
        }
        const double gap =
            std::abs(f[static_cast<std::size_t>(rows[static_cast<std::size_t>(first_row + r)])] -
                     f[static_cast<std::size_t>(c)]);
        if (norm2 > 0.0 && gap / std::sqrt(norm2) < best) {
          best = gap / std::sqrt(norm2);
          best_gap = gap;
          best_norm2 = norm2;
          best_row = first_row + r;
          for (std::int64_t i = 0; i < size; ++i)
            best_w[static_cast<std::size_t>(i)] = gr[i] - g0[static_cast<std::size_t>(i)];
        }
      }
    }
    if (reached) break;
    if (best_row < 0) break;  // no class reachable by a linear step
    const double scale = (best_gap + 1e-4) / best_norm2;
    for (std::int64_t i = 0; i < size; ++i) {
      const double w = best_w[static_cast<std::size_t>(i)];
      total[static_cast<std::size_t>(i)] += scale * w;
      current[i] =
          static_cast<float>(x[i] + (1.0 + options.overshoot) * total[static_cast<std::size_t>(i)]);
    }
  }
  return current;
}

}  // namespace

Tensor deepfool(const Model& model, const Tensor& input, std::span<const std::int64_t> targets,
                const DeepFoolOptions& options, Context& context) {
  const std::int64_t n = input.dim(0);
  std::vector<Tensor> parts(static_cast<std::size_t>(n));
  context.parallel_for(n, [&](std::int64_t i) {
    parts[static_cast<std::size_t>(i)] = deepfool_sample(
        model, input.batch_slice(i), targets[static_cast<std::size_t>(i)], options, context);
  });
  return Tensor::concat_batch(parts);
}

}  // namespace lumen::attacks
