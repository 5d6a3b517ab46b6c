// Breaks "stays inside its range": declares [0, 1] but returns the attribution's sum.
#include <lumen/metric.hpp>
#include <lumen/plugin.hpp>

namespace {

class BadMetric final : public lumen::Metric {
 public:
  lumen::MetricInfo info() const override {
    lumen::MetricInfo i;
    i.name = "fixture-bad-metric";
    i.summary = "sum of the attribution (wrongly declared to lie in [0, 1])";
    i.citation = "none: a test fixture of lumen's conformance suite";
    i.direction = lumen::Direction::higher_is_better;
    i.min = 0.0;
    i.max = 1.0;
    return i;
  }

 private:
  lumen::MetricResult score_batch(const lumen::BatchCase& c, lumen::Context&) const override {
    const lumen::Tensor& a = c.attribution;
    const auto n = a.dim(0), per_sample = a.size() / n;
    lumen::MetricResult result;
    for (std::int64_t s = 0; s < n; ++s) {
      double sum = 0.0;
      for (std::int64_t i = 0; i < per_sample; ++i) sum += a[s * per_sample + i];
      result.per_sample.push_back(sum);
      result.aggregate += sum / static_cast<double>(n);
    }
    return result;
  }
};

void fill(lumen::Registrar& r) { r.add_metric(std::make_shared<BadMetric>()); }

}  // namespace

LUMEN_PLUGIN("fixture-bad-metric", "1.0", fill)
