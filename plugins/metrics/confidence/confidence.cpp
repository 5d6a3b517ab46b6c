// Confidence drop and increase (Chattopadhyay et al. 2018, as in the Cluster-CAM paper's Table 1):
// the input is multiplied by its heatmap H, the attribution summed over channels and min-max
// scaled to [0,1] per sample (at the input's size: layer-space maps arrive upsampled), and the
// target's softmax probability S_c(x * H) is compared with S_c(x).
#include <algorithm>
#include <lumen/cam.hpp>
#include <lumen/metric.hpp>
#include <lumen/metric_support/pixel_maps.hpp>
#include <lumen/plugin.hpp>
#include <lumen/trace.hpp>

namespace {

namespace support = lumen::metric_support;

constexpr const char* citation =
    "A. Chattopadhay, A. Sarkar, P. Howlader, V. N. Balasubramanian. Grad-CAM++: Generalized "
    "gradient-based visual explanations for deep convolutional networks. WACV, 2018.";

/// S_c(x) and S_c(x * H) per sample: [N] and [N].
struct Scores {
  std::vector<double> original;
  std::vector<double> masked;
};

Scores scores(const lumen::BatchCase& c, lumen::Context& context) {
  const lumen::Tensor& x = c.input;
  const std::int64_t n = x.dim(0), plane = x.dim(2) * x.dim(3);
  lumen::Tensor masks({n, 1, x.dim(2), x.dim(3)});
  for (std::int64_t i = 0; i < n; ++i) {
    const auto h = support::min_max_scaled(support::pixel_relevance(c.attribution, i));
    std::transform(h.begin(), h.end(), masks.data() + i * plane,
                   [](double v) { return static_cast<float>(v); });
  }
  const lumen::Tensor probabilities =
      lumen::softmax_rows(lumen::predict_logits(*c.model, x, context));
  const lumen::Tensor masked =
      lumen::masked_scores(*c.model, x, masks, c.targets, lumen::MaskScore::probability,
                           c.params.integer("batch_size"), context);
  Scores s;
  const std::int64_t classes = probabilities.dim(1);
  for (std::int64_t i = 0; i < n; ++i) {
    s.original.push_back(probabilities[i * classes + c.targets[static_cast<std::size_t>(i)]]);
    s.masked.push_back(masked[i]);
  }
  return s;
}

lumen::MetricInfo common_info(const char* name, const char* summary, lumen::Direction direction) {
  lumen::MetricInfo i;
  i.name = name;
  i.summary = summary;
  i.citation = citation;
  i.direction = direction;
  i.min = 0.0;
  i.max = 100.0;
  i.needs = lumen::needs_model;
  i.params = {lumen::param::batch_size("masked inputs per forward pass")};
  return i;
}

class ConfidenceDrop final : public lumen::Metric {
 public:
  lumen::MetricInfo info() const override {
    return common_info("confidence-drop",
                       "100 max(0, S_c(x) - S_c(x * H)) / S_c(x): the % of the target's "
                       "probability lost when the input is masked by its heatmap",
                       lumen::Direction::lower_is_better);
  }

 private:
  lumen::MetricResult score_batch(const lumen::BatchCase& c,
                                  lumen::Context& context) const override {
    const Scores s = scores(c, context);
    lumen::MetricResult result;
    for (std::size_t i = 0; i < s.original.size(); ++i) {
      const double drop =
          s.original[i] > 0.0 ? std::max(0.0, s.original[i] - s.masked[i]) / s.original[i] : 0.0;
      result.per_sample.push_back(100.0 * std::min(drop, 1.0));
    }
    result.aggregate = support::mean(result.per_sample);
    return result;
  }
};

class ConfidenceIncrease final : public lumen::Metric {
 public:
  lumen::MetricInfo info() const override {
    return common_info("confidence-increase",
                       "% of images whose target probability rises when the input is masked by "
                       "its heatmap: S_c(x * H) > S_c(x) (per sample 0 or 100)",
                       lumen::Direction::higher_is_better);
  }

 private:
  lumen::MetricResult score_batch(const lumen::BatchCase& c,
                                  lumen::Context& context) const override {
    const Scores s = scores(c, context);
    lumen::MetricResult result;
    for (std::size_t i = 0; i < s.original.size(); ++i) {
      result.per_sample.push_back(s.masked[i] > s.original[i] ? 100.0 : 0.0);
    }
    result.aggregate = support::mean(result.per_sample);
    return result;
  }
};

void fill(lumen::Registrar& registrar) {
  registrar.add_metric(std::make_shared<ConfidenceDrop>());
  registrar.add_metric(std::make_shared<ConfidenceIncrease>());
}

}  // namespace

LUMEN_PLUGIN("confidence", "0.1.0", fill)
