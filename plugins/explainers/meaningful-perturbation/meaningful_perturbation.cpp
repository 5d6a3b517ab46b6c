// Meaningful perturbation (Fong & Vedaldi 2017): the smooth low-resolution mask m in [0,1]^{h x w}
// whose deletion (blending the image with its blur where m is low) drops the target's probability
// most for the least and smoothest deleted area. Projected Adam from m = 1 (nothing deleted); no
// randomness. The map is the deletion 1 - Up(m) at the input size, repeated over channels.
#include <algorithm>
#include <cmath>
#include <limits>
#include <lumen/error.hpp>
#include <lumen/explainer.hpp>
#include <lumen/explainer_info.hpp>
#include <lumen/model.hpp>
#include <lumen/plugin.hpp>
#include <lumen/resample.hpp>
#include <sstream>
#include <vector>

#include "mask_objective.hpp"
#include "mask_ops.hpp"

namespace {

namespace mp = lumen::meaningful_perturbation;

// Adam (Kingma & Ba) with its usual constants, one state per mask cell, in double.
struct Adam {
  double rate;
  std::vector<double> first, second;
  std::int64_t step = 0;

  Adam(double learning_rate, std::size_t size)
      : rate(learning_rate), first(size, 0.0), second(size, 0.0) {}

  // One step on `values` along `gradient`, then the projection onto [0,1].
  void update(lumen::Tensor& values, const lumen::Tensor& gradient) {
    constexpr double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8;
    ++step;
    const double c1 = 1.0 - std::pow(beta1, static_cast<double>(step));
    const double c2 = 1.0 - std::pow(beta2, static_cast<double>(step));
    for (std::size_t i = 0; i < first.size(); ++i) {
      const double g = gradient[static_cast<std::int64_t>(i)];
      first[i] = beta1 * first[i] + (1.0 - beta1) * g;
      second[i] = beta2 * second[i] + (1.0 - beta2) * g * g;
      const double v = values[static_cast<std::int64_t>(i)] -
                       rate * (first[i] / c1) / (std::sqrt(second[i] / c2) + epsilon);
      values[static_cast<std::int64_t>(i)] = static_cast<float>(std::clamp(v, 0.0, 1.0));
    }
  }
};

class MeaningfulPerturbation final : public lumen::Explainer {
 public:
  lumen::ExplainerInfo info() const override {
    constexpr double inf = std::numeric_limits<double>::infinity();
    lumen::ExplainerInfo i = lumen::perturbation_info(
        "meaningful-perturbation",
        "optimised smooth low-resolution mask whose blur-deletion most lowers the target's "
        "probability; the map is the deletion 1 - mask",
        "R. C. Fong, A. Vedaldi. Interpretable Explanations of Black Boxes by Meaningful "
        "Perturbation. ICCV, 2017.",
        {
            lumen::param::integer("mask_size", 8,
                                  "mask resolution: min(mask_size, H) x min(mask_size, W) cells")
                .within(1, 4096),
            lumen::param::real("l1", 0.05,
                               "lambda1: weight of the deleted area, mean over cells of 1 - m")
                .within(0, inf),
            lumen::param::real("tv", 0.2,
                               "lambda2: weight of the total variation (mean over cells of "
                               "neighbour |difference|^tv_beta)")
                .within(0, inf),
            lumen::param::real("tv_beta", 3.0, "exponent beta of the total variation")
                .within(1, 16),
            lumen::param::real("blur_sigma", 5.0,
                               "standard deviation in pixels of the Gaussian blur deleted regions "
                               "take (0: no blur)")
                .within(0, 1e4),
            lumen::param::integer("iterations", 100, "Adam steps").within(1, 1000000),
            lumen::param::real("learning_rate", 0.1, "Adam step size").within(1e-12, inf),
        });
    i.requirements = lumen::requires_gradients;
    i.signed_output = false;
    return i;
  }

 protected:
  lumen::Attribution compute(const lumen::ExplainRequest& request,
                             lumen::Context& context) const override {
    const auto& params = request.params;
    const lumen::Tensor& x = request.input;
    const std::int64_t n = x.dim(0), channels = x.dim(1), height = x.dim(2), width = x.dim(3);
    const std::int64_t size = params.integer("mask_size");
    const std::int64_t h = std::min(size, height), w = std::min(size, width);
    const lumen::Tensor blurred = mp::gaussian_blur(x, params.real("blur_sigma"));
    const mp::MaskProblem problem{
        request.model,         x, blurred, request.targets, params.real("l1"), params.real("tv"),
        params.real("tv_beta")};

    lumen::Tensor masks({n, 1, h, w}, 1.0F);
    Adam adam(params.real("learning_rate"), static_cast<std::size_t>(masks.size()));
    const std::int64_t iterations = params.integer("iterations");
    std::vector<double> initial;
    for (std::int64_t t = 0; t < iterations; ++t) {
      context.check_cancelled();
      const auto e = mp::evaluate_masks(problem, masks, true, context);
      if (t == 0) initial = e.probability;
      adam.update(masks, e.gradient);
      context.report_progress(static_cast<double>(t + 1) / static_cast<double>(iterations));
    }
    const auto final_eval = mp::evaluate_masks(problem, masks, false, context);

    lumen::Attribution a;
    a.signed_map = false;
    a.map = lumen::Tensor(x.shape());
    const lumen::Tensor up = lumen::upsample_bilinear(masks, height, width);
    const std::int64_t pixels = height * width;
    for (std::int64_t s = 0; s < n; ++s)
      for (std::int64_t c = 0; c < channels; ++c)
        for (std::int64_t i = 0; i < pixels; ++i)
          a.map[(s * channels + c) * pixels + i] = 1.0F - up[s * pixels + i];
    for (std::int64_t s = 0; s < n; ++s) {
      const auto su = static_cast<std::size_t>(s);
      double deleted = 0.0;
      for (std::int64_t i = 0; i < h * w; ++i) deleted += 1.0 - masks[s * h * w + i];
      std::ostringstream note;
      note << "image " << s << ": objective " << final_eval.objective[su] << ", probability "
           << initial[su] << " -> " << final_eval.probability[su] << ", deleted fraction "
           << deleted / static_cast<double>(h * w) << " of a " << h << "x" << w << " mask";
      a.notes.push_back(note.str());
    }
    return a;
  }
};

void fill(lumen::Registrar& registrar) {
  registrar.add_explainer(std::make_shared<MeaningfulPerturbation>());
}

}  // namespace

LUMEN_PLUGIN("meaningful-perturbation", "0.1.0", fill)
