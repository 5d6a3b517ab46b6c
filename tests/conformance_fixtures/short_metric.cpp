// Breaks the result contract Metric::evaluate checks: one value fewer than the batch has samples.
#include <lumen/metric.hpp>
#include <lumen/plugin.hpp>

namespace {

class ShortMetric final : public lumen::Metric {
 public:
  lumen::MetricInfo info() const override {
    lumen::MetricInfo i;
    i.name = "fixture-short-metric";
    i.summary = "0.5 for every sample but the last, which it forgets";
    i.citation = "none: a test fixture of lumen's conformance suite";
    i.direction = lumen::Direction::higher_is_better;
    i.min = 0.0;
    i.max = 1.0;
    return i;
  }

 private:
  lumen::MetricResult score_batch(const lumen::BatchCase& c, lumen::Context&) const override {
    lumen::MetricResult result;
    result.per_sample.assign(static_cast<std::size_t>(c.input.dim(0) - 1), 0.5);
    result.aggregate = 0.5;
    return result;
  }
};

void fill(lumen::Registrar& r) { r.add_metric(std::make_shared<ShortMetric>()); }

}  // namespace

LUMEN_PLUGIN("fixture-short-metric", "1.0", fill)
