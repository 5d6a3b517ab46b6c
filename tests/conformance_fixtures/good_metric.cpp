// A correct metric that needs everything a batch metric can ask for: the share of the
// attribution's mass inside the ground-truth mask, in [0, 1]. It relies on Metric::evaluate to
// refuse a case missing what it declared.
#include <cmath>
#include <lumen/explainer.hpp>
#include <lumen/metric.hpp>
#include <lumen/model.hpp>
#include <lumen/plugin.hpp>

namespace {

class GoodMetric final : public lumen::Metric {
 public:
  lumen::MetricInfo info() const override {
    lumen::MetricInfo i;
    i.name = "fixture-good-metric";
    i.summary = "share of |attribution| inside the mask";
    i.citation = "none: a test fixture of lumen's conformance suite";
    i.direction = lumen::Direction::higher_is_better;
    i.min = 0.0;
    i.max = 1.0;
    i.needs = lumen::needs_model | lumen::needs_explainer | lumen::needs_mask |
              lumen::needs_reference_map;
    return i;
  }

 private:
  lumen::MetricResult score_batch(const lumen::BatchCase& c,
                                  lumen::Context& context) const override {
    // It re-runs the explainer, as perturbation metrics do.
    const lumen::ExplainRequest request{*c.model, c.input, c.targets, *c.explainer_params, {}};
    c.explainer->explain(request, context);

    const lumen::Tensor& a = c.attribution;
    const auto n = a.dim(0), channels = a.dim(1), plane = a.dim(2) * a.dim(3);
    lumen::MetricResult result;
    for (std::int64_t s = 0; s < n; ++s) {
      double inside = 0.0, total = 0.0;
      for (std::int64_t k = 0; k < channels; ++k) {
        for (std::int64_t p = 0; p < plane; ++p) {
          const double v = std::fabs(a[(s * channels + k) * plane + p]);
          total += v;
          inside += v * (*c.mask)[s * plane + p];
        }
      }
      result.per_sample.push_back(total > 0.0 ? inside / total : 0.0);
      result.aggregate += result.per_sample.back() / static_cast<double>(n);
    }
    return result;
  }
};

void fill(lumen::Registrar& r) { r.add_metric(std::make_shared<GoodMetric>()); }

}  // namespace

LUMEN_PLUGIN("fixture-good-metric", "1.0", fill)
