// Map-against-map metrics (survey section 7): pearson, l1-similarity and kl-divergence compare a
// sample's map with the reference map, saliency-auc scores the map against the ground-truth mask.
// Maps are reduced to one relevance per pixel (sum over channels,
// lumen/metric_support/pixel_maps.hpp).
#include <cmath>
#include <functional>
#include <limits>
#include <lumen/metric.hpp>
#include <lumen/metric_support/pixel_maps.hpp>
#include <lumen/plugin.hpp>

namespace {

namespace support = lumen::metric_support;
using support::pixel_relevance;
using Score = std::function<double(const std::vector<double>& map, const std::vector<double>& other,
                                   const lumen::Params& params)>;

constexpr const char* survey_citation =
    "Survey section 7; K. Pearson (1895) for correlation, S. Kullback and R. Leibler (1951) for "
    "the divergence, and Z. Bylinskii, T. Judd, A. Oliva, A. Torralba, F. Durand. What do "
    "different evaluation metrics tell us about saliency models? IEEE TPAMI, 2019.";

/// A metric of each sample's map against one other map of the sample (the reference or the mask).
class PairMetric final : public lumen::Metric {
 public:
  PairMetric(lumen::MetricInfo info, Score score)
      : info_(std::move(info)), score_(std::move(score)) {}

  lumen::MetricInfo info() const override { return info_; }

 private:
  lumen::MetricResult score_batch(const lumen::BatchCase& c, lumen::Context&) const override {
    const lumen::Tensor& other = (info_.needs & lumen::needs_mask) ? *c.mask : *c.reference;
    lumen::MetricResult result;
    for (std::int64_t n = 0; n < c.input.dim(0); ++n) {
      result.per_sample.push_back(
          score_(pixel_relevance(c.attribution, n), pixel_relevance(other, n), c.params));
    }
    result.aggregate = support::mean(result.per_sample);
    return result;
  }

  lumen::MetricInfo info_;
  Score score_;
};

lumen::MetricInfo base_info(const char* name, const char* summary, lumen::Direction direction,
                            double min, double max, unsigned needs) {
  lumen::MetricInfo i;
  i.name = name;
  i.summary = summary;
  i.citation = survey_citation;
  i.direction = direction;
  i.min = min;
  i.max = max;
  i.needs = needs;
  return i;
}

double l1_similarity(const std::vector<double>& map, const std::vector<double>& other,
                     const lumen::Params&) {
  const auto a = support::min_max_scaled(map);
  const auto b = support::min_max_scaled(other);
  double total = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) total += std::abs(a[i] - b[i]);
  return 1.0 - total / static_cast<double>(a.size());
}

/// The map min-max scaled to [0,1], plus epsilon, divided by its sum.
std::vector<double> distribution(const std::vector<double>& map, double epsilon) {
  auto p = support::min_max_scaled(map);
  double total = 0.0;
  for (double& v : p) total += (v += epsilon);
  for (double& v : p) v /= total;
  return p;
}

double kl_divergence(const std::vector<double>& map, const std::vector<double>& reference,
                     const lumen::Params& params) {
  const double epsilon = params.real("epsilon");
  const auto p = distribution(reference, epsilon);
  const auto q = distribution(map, epsilon);
  double kl = 0.0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p[i] > 0.0) kl += p[i] * std::log(p[i] / q[i]);
  }
  return std::max(kl, 0.0);  // rounding can leave -1e-17 for identical maps
}

/// ROC AUC of the map as a score for the mask's pixels (mask > 0.5): the probability that a
/// pixel inside scores higher than one outside, ties counting half (Mann-Whitney U).
double saliency_auc(const std::vector<double>& map, const std::vector<double>& mask,
                    const lumen::Params&) {
  const auto ranks = support::average_ranks(map);
  double positives = 0.0, rank_sum = 0.0;
  for (std::size_t i = 0; i < map.size(); ++i) {
    if (mask[i] > 0.5) {
      positives += 1.0;
      rank_sum += ranks[i];
    }
  }
  const double negatives = static_cast<double>(map.size()) - positives;
  if (positives == 0.0 || negatives == 0.0) return 0.5;
  return (rank_sum - positives * (positives + 1.0) / 2.0) / (positives * negatives);
}

void fill(lumen::Registrar& registrar) {
  using lumen::Direction;
  registrar.add_metric(std::make_shared<PairMetric>(
      base_info("pearson", "Pearson correlation of the map with the reference map (per pixel)",
                Direction::higher_is_better, -1.0, 1.0, lumen::needs_reference_map),
      [](const auto& a, const auto& b, const auto&) { return support::pearson(a, b); }));
  registrar.add_metric(std::make_shared<PairMetric>(
      base_info("l1-similarity",
                "1 - mean absolute difference of the map and the reference map, both min-max "
                "scaled to [0,1]",
                Direction::higher_is_better, 0.0, 1.0, lumen::needs_reference_map),
      l1_similarity));
  auto kl = base_info("kl-divergence",
                      "KL(reference || map) of the two maps made distributions (min-max scaled, "
                      "plus epsilon, divided by the sum)",
                      Direction::lower_is_better, 0.0, std::numeric_limits<double>::infinity(),
                      lumen::needs_reference_map);
  kl.params = {lumen::param::real(
                   "epsilon", 1e-6,
                   "added to every pixel of both scaled maps before they are divided by their sum")
                   .within(1e-12, 1.0)};
  registrar.add_metric(std::make_shared<PairMetric>(std::move(kl), kl_divergence));
  registrar.add_metric(std::make_shared<PairMetric>(
      base_info("saliency-auc",
                "ROC AUC of the map as a score for the ground-truth mask's pixels (0.5 = chance)",
                Direction::higher_is_better, 0.0, 1.0, lumen::needs_mask),
      saliency_auc));
}

}  // namespace

LUMEN_PLUGIN("map-similarity", "0.1.0", fill)
