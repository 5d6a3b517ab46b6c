// Localisation against a ground-truth mask (mask > 0.5 is the object): pointing-game (Zhang et
// al. 2018) and mask-iou (the top q% of the map against the mask). Maps are one relevance per
// pixel: the attribution summed over channels (lumen/metric_support/pixel_maps.hpp).
#include <algorithm>
#include <cmath>
#include <lumen/metric.hpp>
#include <lumen/metric_support/pixel_maps.hpp>
#include <lumen/plugin.hpp>

namespace {

namespace support = lumen::metric_support;
using support::pixel_relevance;

/// Hit (1) when a mask pixel lies within `tolerance` pixels (Euclidean) of a pixel where the map
/// takes its maximum (any of them when several share it); an empty mask is a miss (0).
double pointing_hit(const std::vector<double>& r, const std::vector<double>& mask,
                    std::int64_t width, double tolerance) {
  const double peak = *std::max_element(r.begin(), r.end());
  for (std::size_t m = 0; m < r.size(); ++m) {
    if (r[m] != peak) continue;
    const auto my = static_cast<double>(static_cast<std::int64_t>(m) / width);
    const auto mx = static_cast<double>(static_cast<std::int64_t>(m) % width);
    for (std::size_t p = 0; p < mask.size(); ++p) {
      if (mask[p] <= 0.5) continue;
      const double dy = static_cast<double>(static_cast<std::int64_t>(p) / width) - my;
      const double dx = static_cast<double>(static_cast<std::int64_t>(p) % width) - mx;
      if (dy * dy + dx * dx <= tolerance * tolerance) return 1.0;
    }
  }
  return 0.0;
}

double mask_iou(const std::vector<double>& r, const std::vector<double>& mask, double percent) {
  const auto chosen = support::top_percent(r, percent);
  double both = 0.0, either = 0.0;
  for (std::size_t p = 0; p < r.size(); ++p) {
    const bool inside = mask[p] > 0.5;
    both += (chosen[p] && inside) ? 1.0 : 0.0;
    either += (chosen[p] || inside) ? 1.0 : 0.0;
  }
  return both / either;  // either >= 1: at least one pixel is chosen
}

class PointingGame final : public lumen::Metric {
 public:
  lumen::MetricInfo info() const override {
    lumen::MetricInfo i;
    i.name = "pointing-game";
    i.summary = "1 when the map's maximum falls inside the ground-truth mask (within a tolerance)";
    i.citation =
        "J. Zhang, S. A. Bargal, Z. Lin, J. Brandt, X. Shen, S. Sclaroff. Top-down neural "
        "attention by excitation backprop. IJCV, 2018.";
    i.direction = lumen::Direction::higher_is_better;
    i.min = 0.0;
    i.max = 1.0;
    i.needs = lumen::needs_mask;
    i.params = {lumen::param::real("tolerance", 0.0,
                                   "a hit may lie this many pixels (Euclidean) away from the mask")
                    .within(0.0, 1e6)};
    return i;
  }

 private:
  lumen::MetricResult score_batch(const lumen::BatchCase& c, lumen::Context&) const override {
    const double tolerance = c.params.real("tolerance");
    lumen::MetricResult result;
    for (std::int64_t n = 0; n < c.input.dim(0); ++n) {
      result.per_sample.push_back(pointing_hit(pixel_relevance(c.attribution, n),
                                               pixel_relevance(*c.mask, n), c.input.dim(3),
                                               tolerance));
    }
    result.aggregate = support::mean(result.per_sample);
    return result;
  }
};

class MaskIou final : public lumen::Metric {
 public:
  lumen::MetricInfo info() const override {
    lumen::MetricInfo i;
    i.name = "mask-iou";
    i.summary = "intersection over union of the map's top q% pixels and the ground-truth mask";
    i.citation =
        "Survey section 7; as in B. Zhou, A. Khosla, A. Lapedriza, A. Oliva, A. Torralba. "
        "Learning deep features for discriminative localization. CVPR, 2016.";
    i.direction = lumen::Direction::higher_is_better;
    i.min = 0.0;
    i.max = 1.0;
    i.needs = lumen::needs_mask;
    i.params = {
        lumen::param::real(
            "top_percent", 20.0,
            "q: the ceil(q/100 * H*W) most relevant pixels (at least one) form the map's mask")
            .within(0.0, 100.0)};
    return i;
  }

 private:
  lumen::MetricResult score_batch(const lumen::BatchCase& c, lumen::Context&) const override {
    const double percent = c.params.real("top_percent");
    lumen::MetricResult result;
    for (std::int64_t n = 0; n < c.input.dim(0); ++n) {
      result.per_sample.push_back(
          mask_iou(pixel_relevance(c.attribution, n), pixel_relevance(*c.mask, n), percent));
    }
    result.aggregate = support::mean(result.per_sample);
    return result;
  }
};

void fill(lumen::Registrar& registrar) {
  registrar.add_metric(std::make_shared<PointingGame>());
  registrar.add_metric(std::make_shared<MaskIou>());
}

}  // namespace

LUMEN_PLUGIN("localisation", "0.1.0", fill)
