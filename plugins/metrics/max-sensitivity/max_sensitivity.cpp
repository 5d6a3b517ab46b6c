// Max-sensitivity (Yeh et al. 2019): max over x' in the L-infinity ball of radius r around x of
// ||Phi(x') - Phi(x)||, estimated by Monte Carlo over `samples` points drawn uniformly in the
// ball, optionally divided by ||Phi(x)|| (Quantus normalises, Captum's sensitivity_max does not).
// Phi(x) is the case's attribution; Phi(x') re-runs the case's explainer with its parameters, at
// the case's layer.
#include <cmath>
#include <limits>
#include <lumen/error.hpp>
#include <lumen/explainer.hpp>
#include <lumen/metric.hpp>
#include <lumen/metric_support/pixel_maps.hpp>
#include <lumen/plugin.hpp>
#include <random>

namespace {

/// The Context stream of the perturbations; copy j uses rng(j, stream) for every sample, so a
/// sample's perturbations do not depend on its position in the batch.
constexpr std::uint64_t perturbation_stream = 0x4d53'0000'0000'0001ULL;

double norm(const float* values, std::int64_t count, bool l2) {
  double result = 0.0;
  for (std::int64_t i = 0; i < count; ++i) {
    const double v = std::abs(static_cast<double>(values[i]));
    result = l2 ? result + v * v : std::max(result, v);
  }
  return l2 ? std::sqrt(result) : result;
}

class MaxSensitivity final : public lumen::Metric {
 public:
  lumen::MetricInfo info() const override {
    constexpr double inf = std::numeric_limits<double>::infinity();
    lumen::MetricInfo i;
    i.name = "max-sensitivity";
    i.summary =
        "largest change of the attribution over random inputs in an L-infinity ball around the "
        "input (Monte Carlo), relative to the attribution's norm by default";
    i.citation =
        "C.-K. Yeh, C.-Y. Hsieh, A. S. Suggala, D. I. Inouye, P. Ravikumar. On the (in)fidelity "
        "and sensitivity of explanations. NeurIPS, 2019.";
    i.direction = lumen::Direction::lower_is_better;
    i.min = 0.0;
    i.max = inf;
    i.needs = lumen::needs_model | lumen::needs_explainer;
    i.params = {
        lumen::param::real("radius", 0.02,
                           "r: every input element moves by a value uniform in [-r, r]")
            .within(0.0, inf),
        lumen::param::integer("samples", 10, "perturbed inputs per sample").within(1.0, 1e6),
        lumen::param::choice("norm", "l2", {"l2", "linf"},
                             "the norm of the attribution difference, over all its elements"),
        lumen::param::flag(
            "normalised", true,
            "divide by the same norm of the attribution (a zero attribution divides by 1)"),
    };
    return i;
  }

 private:
  lumen::MetricResult score_batch(const lumen::BatchCase& c,
                                  lumen::Context& context) const override {
    const lumen::Tensor& x = c.input;
    const lumen::Tensor& phi = c.attribution;
    const double radius = c.params.real("radius");
    const bool l2 = c.params.text("norm") == "l2";
    const std::int64_t n = x.dim(0), sample_size = x.size() / n;
    const std::int64_t map_size = phi.size() / n;
    std::vector<double> worst(static_cast<std::size_t>(n), 0.0);
    for (std::int64_t j = 0; j < c.params.integer("samples"); ++j) {
      context.check_cancelled();
      auto rng = context.rng(static_cast<std::uint64_t>(j), perturbation_stream);
      std::uniform_real_distribution<double> uniform(-radius, radius);
      std::vector<float> noise(static_cast<std::size_t>(sample_size));
      for (float& v : noise) v = static_cast<float>(uniform(rng));
      lumen::Tensor perturbed = x;
      for (std::int64_t i = 0; i < x.size(); ++i)
        perturbed[i] += noise[static_cast<std::size_t>(i % sample_size)];
      const lumen::ExplainRequest request{*c.model, perturbed, c.targets, *c.explainer_params,
                                          c.layer};
      const lumen::Attribution moved = c.explainer->explain(request, context);
      if (moved.map.shape() != phi.shape()) {
        throw lumen::ShapeError(
            "max-sensitivity: the explainer's map " + lumen::to_string(moved.map.shape()) +
            " differs in shape from the case's attribution " + lumen::to_string(phi.shape()));
      }
      for (std::int64_t s = 0; s < n; ++s) {
        std::vector<float> difference(static_cast<std::size_t>(map_size));
        for (std::int64_t k = 0; k < map_size; ++k) {
          difference[static_cast<std::size_t>(k)] =
              moved.map[s * map_size + k] - phi[s * map_size + k];
        }
        auto& w = worst[static_cast<std::size_t>(s)];
        w = std::max(w, norm(difference.data(), map_size, l2));
      }
    }
    lumen::MetricResult result;
    for (std::int64_t s = 0; s < n; ++s) {
      double value = worst[static_cast<std::size_t>(s)];
      if (c.params.boolean("normalised")) {
        const double scale = norm(phi.data() + s * map_size, map_size, l2);
        if (scale > 0.0) value /= scale;
      }
      result.per_sample.push_back(value);
    }
    result.aggregate = lumen::metric_support::mean(result.per_sample);
    return result;
  }
};

void fill(lumen::Registrar& registrar) { registrar.add_metric(std::make_shared<MaxSensitivity>()); }

}  // namespace

LUMEN_PLUGIN("max-sensitivity", "0.1.0", fill)
