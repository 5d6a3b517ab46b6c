// Integrated Gradients (Sundararajan et al. 2017): (x - x') * integral over alpha in [0,1] of the
// target logit's gradient at x' + alpha (x - x'), by a quadrature rule over `steps` points
// (Captum's IntegratedGradients). The interpolated inputs of a sample run as batches of at most
// internal_batch_size; the gradients are summed in point order, so the batching does not change
// the sum beyond the rounding of batched kernels.
#include <algorithm>
#include <cmath>
#include <lumen/baseline.hpp>
#include <lumen/batching.hpp>
#include <lumen/explainer.hpp>
#include <lumen/explainer_info.hpp>
#include <lumen/model.hpp>
#include <lumen/plugin.hpp>
#include <lumen/propagation.hpp>
#include <lumen/trace.hpp>

#include "quadrature.hpp"

namespace {

class IntegratedGradients final : public lumen::Explainer {
 public:
  lumen::ExplainerInfo info() const override {
    lumen::ExplainerInfo i = lumen::gradient_info(
        "integrated-gradients",
        "input minus baseline times the target score's gradient averaged along the straight path "
        "between them",
        "M. Sundararajan, A. Taly, Q. Yan. Axiomatic Attribution for Deep Networks. ICML, 2017.",
        lumen::baseline_params({"zeros", "constant", "blur", "uniform", "npy"}));
    const std::vector<lumen::ParamSpec> own = {
        lumen::param::integer("steps", 50, "number of points on the path").within(1, 100000),
        lumen::param::choice("quadrature", "gauss-legendre",
                             {"riemann-left", "riemann-right", "riemann-middle",
                              "riemann-trapezoid", "gauss-legendre"},
                             "rule placing the points and weights on [0,1] (Captum's methods)"),
        lumen::param::integer("internal_batch_size", 0,
                              "most interpolated inputs per forward/backward pass; 0: automatic, "
                              "as many as fit the pass memory (--pass-memory) and the cache")
            .within(0, 1e9),
    };
    i.params.insert(i.params.end(), own.begin(), own.end());
    return i;
  }

 protected:
  lumen::Attribution compute(const lumen::ExplainRequest& request,
                             lumen::Context& context) const override {
    const lumen::Model& model = request.model;
    const lumen::Tensor& x = request.input;
    const auto steps = static_cast<int>(request.params.integer("steps"));
    const auto rule = lumen::ig::quadrature(request.params.text("quadrature"), steps);
    const lumen::Tensor baselines =
        lumen::make_baselines(request.params, x, context, "integrated-gradients");
    model.check_input(baselines);
    std::int64_t chunk = request.params.integer("internal_batch_size");
    if (chunk == 0)
      chunk = lumen::samples_per_pass(model, context, lumen::PassKind::gradient, steps);

    const std::int64_t n = x.dim(0), per = x.size() / n;
    lumen::Attribution result;
    result.map = lumen::Tensor(x.shape());
    for (std::int64_t s = 0; s < n; ++s) {
      const float* xs = x.data() + s * per;
      const float* bs = baselines.data() + s * per;
      std::vector<double> integral(static_cast<std::size_t>(per), 0.0);
      // Passes run side by side in waves of one per thread (a small model's pass is too small
      // to keep two threads busy on its own); their gradients are added in point order after
      // each wave, so the sum is the same on any thread count.
      const std::int64_t passes = (steps + chunk - 1) / chunk;
      const std::int64_t wave = std::max(1, context.threads());
      for (std::int64_t first_pass = 0; first_pass < passes; first_pass += wave) {
        context.check_cancelled();
        const std::int64_t in_wave = std::min(wave, passes - first_pass);
        std::vector<lumen::Tensor> gradients(static_cast<std::size_t>(in_wave));
        context.parallel_for(in_wave, [&](std::int64_t j) {
          const std::int64_t first = (first_pass + j) * chunk;
          const std::int64_t count = std::min<std::int64_t>(chunk, steps - first);
          lumen::Shape shape = x.shape();
          shape[0] = count;
          auto path = lumen::Tensor::uninitialised(shape);
          float* points = path.data();
          for (std::int64_t k = 0; k < count; ++k) {
            const auto alpha = static_cast<float>(rule.alphas[static_cast<std::size_t>(first + k)]);
            for (std::int64_t i = 0; i < per; ++i) {
              points[k * per + i] = bs[i] + alpha * (xs[i] - bs[i]);
            }
          }
          const std::vector<std::int64_t> targets(static_cast<std::size_t>(count),
                                                  request.targets[static_cast<std::size_t>(s)]);
          gradients[static_cast<std::size_t>(j)] =
              lumen::input_gradient(model, path, targets, context);
        });
        for (std::int64_t j = 0; j < in_wave; ++j) {
          const std::int64_t first = (first_pass + j) * chunk;
          const lumen::Tensor& g = gradients[static_cast<std::size_t>(j)];
          const std::int64_t count = g.dim(0);
          const float* gs = g.data();
          for (std::int64_t k = 0; k < count; ++k) {
            const double w = rule.weights[static_cast<std::size_t>(first + k)];
            for (std::int64_t i = 0; i < per; ++i) {
              integral[static_cast<std::size_t>(i)] += w * gs[k * per + i];
            }
          }
        }
      }
      for (std::int64_t i = 0; i < per; ++i) {
        result.map[s * per + i] = static_cast<float>((static_cast<double>(xs[i]) - bs[i]) *
                                                     integral[static_cast<std::size_t>(i)]);
      }
      context.report_progress(static_cast<double>(s + 1) / static_cast<double>(n));
    }
    add_completeness_notes(request, baselines, result, context);
    result.notes.push_back("quadrature: " + request.params.text("quadrature") + ", " +
                           std::to_string(steps) + " steps (" + std::to_string(chunk) +
                           " per pass), baseline: " + request.params.text("baseline"));
    return result;
  }

 private:
  // One forward pass over the inputs and the baselines (2N samples) gives f_c(x) - f_c(x').
  static void add_completeness_notes(const lumen::ExplainRequest& request,
                                     const lumen::Tensor& baselines, lumen::Attribution& result,
                                     lumen::Context& context) {
    const std::vector<lumen::Tensor> both{request.input, baselines};
    const lumen::Tensor logits =
        lumen::predict_logits(request.model, lumen::Tensor::concat_batch(both), context);
    const std::int64_t n = request.input.dim(0);
    const auto notes = lumen::delta_notes(result.map, request.targets, logits.batch_slice(0, n),
                                          logits.batch_slice(n, n), "completeness");
    result.notes.insert(result.notes.end(), notes.begin(), notes.end());
  }
};

void fill(lumen::Registrar& registrar) {
  registrar.add_explainer(std::make_shared<IntegratedGradients>());
}

}  // namespace

LUMEN_PLUGIN("integrated-gradients", "0.1.0", fill)
