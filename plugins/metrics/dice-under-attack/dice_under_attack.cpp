// Dice under attack: how much of an explanation survives an adversarial perturbation. The input
// is perturbed by FGSM or DeepFool (attacks.hpp), the case's explainer re-runs on x_adv with its
// parameters (at the case's layer), and the top q% pixels of the two maps (summed over channels)
// are compared by Dice, 2 |A n B| / (|A| + |B|).
#include <limits>
#include <lumen/error.hpp>
#include <lumen/explainer.hpp>
#include <lumen/metric.hpp>
#include <lumen/metric_support/pixel_maps.hpp>
#include <lumen/plugin.hpp>

#include "attacks.hpp"

namespace {

namespace support = lumen::metric_support;

double dice(const std::vector<bool>& a, const std::vector<bool>& b) {
  double both = 0.0, sizes = 0.0;
  for (std::size_t p = 0; p < a.size(); ++p) {
    both += (a[p] && b[p]) ? 1.0 : 0.0;
    sizes += (a[p] ? 1.0 : 0.0) + (b[p] ? 1.0 : 0.0);
  }
  return 2.0 * both / sizes;  // both maps choose at least one pixel
}

class DiceUnderAttack final : public lumen::Metric {
 public:
  lumen::MetricInfo info() const override {
    constexpr double inf = std::numeric_limits<double>::infinity();
    lumen::MetricInfo i;
    i.name = "dice-under-attack";
    i.summary =
        "Dice of the top q% pixels of the maps of x and of its FGSM or DeepFool perturbation "
        "(1 = the explanation is unchanged)";
    i.citation =
        "Survey section 6; I. J. Goodfellow, J. Shlens, C. Szegedy. Explaining and harnessing "
        "adversarial examples. ICLR, 2015; S.-M. Moosavi-Dezfooli, A. Fawzi, P. Frossard. "
        "DeepFool: a simple and accurate method to fool deep neural networks. CVPR, 2016.";
    i.direction = lumen::Direction::higher_is_better;
    i.min = 0.0;
    i.max = 1.0;
    i.needs = lumen::needs_model | lumen::needs_explainer;
    i.params = {
        lumen::param::choice("attack", "fgsm", {"fgsm", "deepfool"},
                             "the perturbation: fgsm or deepfool"),
        lumen::param::real("epsilon", 0.03, "fgsm: the step on every input element")
            .within(0.0, inf),
        lumen::param::integer("max_iterations", 50, "deepfool: the most linear steps")
            .within(1.0, 1e6),
        lumen::param::real(
            "overshoot", 0.02,
            "deepfool: the total step is (1 + overshoot) times the sum of the linear steps")
            .within(0.0, 10.0),
        lumen::param::integer(
            "candidates", 10,
            "deepfool: other classes considered, those with the highest logits at x")
            .within(1.0, 1e6),
        lumen::param::real(
            "top_percent", 20.0,
            "q: each map keeps its ceil(q/100 * H*W) most relevant pixels (at least one)")
            .within(0.0, 100.0),
    };
    return i;
  }

 private:
  lumen::MetricResult score_batch(const lumen::BatchCase& c,
                                  lumen::Context& context) const override {
    const lumen::Params& p = c.params;
    const lumen::Tensor adversarial =
        p.text("attack") == "fgsm"
            ? lumen::attacks::fgsm(*c.model, c.input, c.targets, p.real("epsilon"), context)
            : lumen::attacks::deepfool(
                  *c.model, c.input, c.targets,
                  {p.integer("max_iterations"), p.real("overshoot"), p.integer("candidates")},
                  context);
    const lumen::ExplainRequest request{*c.model, adversarial, c.targets, *c.explainer_params,
                                        c.layer};
    const lumen::Attribution attacked = c.explainer->explain(request, context);
    if (attacked.map.rank() != 4 || attacked.map.dim(0) != c.input.dim(0) ||
        attacked.map.dim(2) != c.input.dim(2) || attacked.map.dim(3) != c.input.dim(3)) {
      throw lumen::ShapeError("dice-under-attack: the explainer's map " +
                              lumen::to_string(attacked.map.shape()) + " is not [N,*,H,W]");
    }
    const double percent = p.real("top_percent");
    lumen::MetricResult result;
    for (std::int64_t n = 0; n < c.input.dim(0); ++n) {
      result.per_sample.push_back(
          dice(support::top_percent(support::pixel_relevance(c.attribution, n), percent),
               support::top_percent(support::pixel_relevance(attacked.map, n), percent)));
    }
    result.aggregate = support::mean(result.per_sample);
    return result;
  }
};

void fill(lumen::Registrar& registrar) {
  registrar.add_metric(std::make_shared<DiceUnderAttack>());
}

}  // namespace

LUMEN_PLUGIN("dice-under-attack", "0.1.0", fill)
