// Deletion and insertion (Petsiuk et al., RISE, 2018). Pixels are ranked by relevance (the
// attribution summed over channels, ties by increasing index). At step k = 0..steps the first
// n_k = floor(k * H*W / steps) pixels (all channels) are replaced by the baseline (deletion) or
// copied from the input into the baseline (insertion); p_k = S_c of that image, and the metric is
// the trapezoid area under p over t_k = k / steps in [0,1].
#include <algorithm>
#include <limits>
#include <lumen/batching.hpp>
#include <lumen/blur.hpp>
#include <lumen/metric.hpp>
#include <lumen/metric_support/pixel_maps.hpp>
#include <lumen/plugin.hpp>
#include <lumen/trace.hpp>

namespace {

namespace support = lumen::metric_support;

constexpr const char* citation =
    "V. Petsiuk, A. Das, K. Saenko. RISE: Randomized input sampling for explanation of black-box "
    "models. BMVC, 2018.";

/// The baseline image of one sample [1,C,H,W].
lumen::Tensor baseline_of(const lumen::Tensor& sample, const lumen::Params& params) {
  const std::string& kind = params.text("baseline");
  if (kind == "blur") return lumen::gaussian_blur(sample, params.real("blur_sigma"));
  lumen::Tensor b(sample.shape());
  if (kind == "mean") {
    const std::int64_t channels = sample.dim(1), plane = sample.dim(2) * sample.dim(3);
    for (std::int64_t ch = 0; ch < channels; ++ch) {
      double total = 0.0;
      for (std::int64_t p = 0; p < plane; ++p) total += sample[ch * plane + p];
      std::fill_n(b.data() + ch * plane, plane,
                  static_cast<float>(total / static_cast<double>(plane)));
    }
  }
  return b;
}

/// The probability curve p_0..p_steps of one sample.
std::vector<double> curve(const lumen::BatchCase& c, std::int64_t n, bool insertion,
                          lumen::Context& context) {
  const lumen::Tensor sample = c.input.batch_slice(n);
  const lumen::Tensor baseline = baseline_of(sample, c.params);
  const lumen::Tensor& start = insertion ? baseline : sample;
  const lumen::Tensor& end = insertion ? sample : baseline;
  const auto order = support::order_by_relevance(support::pixel_relevance(c.attribution, n));
  const std::int64_t steps = c.params.integer("steps");
  std::int64_t batch = c.params.integer("batch_size");
  if (batch == 0)
    batch = lumen::samples_per_pass(*c.model, context, lumen::PassKind::forward, steps + 1);
  const std::int64_t channels = sample.dim(1), plane = sample.dim(2) * sample.dim(3);
  const std::int64_t sample_size = channels * plane;
  const auto target = c.targets[static_cast<std::size_t>(n)];
  std::vector<double> p;
  lumen::Tensor current = start;  // the image after the pixels changed so far
  std::int64_t changed = 0;
  for (std::int64_t first = 0; first <= steps; first += batch) {
    const std::int64_t count = std::min(batch, steps + 1 - first);
    lumen::Tensor images({count, channels, sample.dim(2), sample.dim(3)});
    for (std::int64_t j = 0; j < count; ++j) {
      const std::int64_t wanted = (first + j) * plane / steps;
      for (; changed < wanted; ++changed) {
        const std::int64_t pixel = order[static_cast<std::size_t>(changed)];
        for (std::int64_t ch = 0; ch < channels; ++ch) {
          current[ch * plane + pixel] = end[ch * plane + pixel];
        }
      }
      std::copy_n(current.data(), sample_size, images.data() + j * sample_size);
    }
    const lumen::Tensor probabilities =
        lumen::softmax_rows(lumen::predict_logits(*c.model, images, context));
    for (std::int64_t j = 0; j < count; ++j) {
      p.push_back(probabilities[j * probabilities.dim(1) + target]);
    }
  }
  return p;
}

double trapezoid_area(const std::vector<double>& p) {
  double area = 0.0;
  for (std::size_t k = 1; k < p.size(); ++k) area += 0.5 * (p[k - 1] + p[k]);
  return area / static_cast<double>(p.size() - 1);
}

class CurveMetric final : public lumen::Metric {
 public:
  explicit CurveMetric(bool insertion) : insertion_(insertion) {}

  lumen::MetricInfo info() const override {
    lumen::MetricInfo i;
    i.name = insertion_ ? "insertion" : "deletion";
    i.summary = insertion_ ? "area under the target probability as the most relevant pixels are "
                             "inserted into the baseline first"
                           : "area under the target probability as the most relevant pixels are "
                             "replaced by the baseline first";
    i.citation = citation;
    i.direction =
        insertion_ ? lumen::Direction::higher_is_better : lumen::Direction::lower_is_better;
    i.min = 0.0;
    i.max = 1.0;
    i.needs = lumen::needs_model;
    i.params = {
        lumen::param::integer(
            "steps", 50,
            "curve points after the first: step k changes floor(k * H*W / steps) pixels")
            .within(1.0, 1e7),
        lumen::param::choice("baseline", insertion_ ? "blur" : "zeros", {"zeros", "blur", "mean"},
                             "what removed pixels become / where inserted pixels go: zeros, the "
                             "input blurred, or each "
                             "channel's mean"),
        lumen::param::real("blur_sigma", 5.0, "the Gaussian's sigma in pixels (baseline=blur)")
            .within(1e-3, 1000.0),
        lumen::param::batch_size("curve points per forward pass"),
    };
    return i;
  }

 private:
  lumen::MetricResult score_batch(const lumen::BatchCase& c,
                                  lumen::Context& context) const override {
    const std::int64_t n = c.input.dim(0);
    lumen::MetricResult result;
    result.per_sample.resize(static_cast<std::size_t>(n));
    context.parallel_for(n, [&](std::int64_t i) {
      result.per_sample[static_cast<std::size_t>(i)] =
          trapezoid_area(curve(c, i, insertion_, context));
    });
    result.aggregate = support::mean(result.per_sample);
    return result;
  }

  bool insertion_;
};

void fill(lumen::Registrar& registrar) {
  registrar.add_metric(std::make_shared<CurveMetric>(false));
  registrar.add_metric(std::make_shared<CurveMetric>(true));
}

}  // namespace

LUMEN_PLUGIN("deletion-insertion", "0.1.0", fill)
