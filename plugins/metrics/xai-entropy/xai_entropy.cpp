// XAI entropy ("file size", the SAR study): how complex a heatmap looks, as the size of its PNG
// (measure=png-kb) or the Shannon entropy of its 256 display levels (measure=shannon). The
// heatmap is core display_map of the sample (channels combined automatically), signed or not as
// the case says (BatchCase::signed_map, from Attribution::signed_map), like lumen explain draws
// it.
#include <algorithm>
#include <cmath>
#include <limits>
#include <lumen/io.hpp>
#include <lumen/metric.hpp>
#include <lumen/metric_support/pixel_maps.hpp>
#include <lumen/plugin.hpp>

namespace {

struct Display {
  lumen::Tensor map;  ///< [H,W]
  bool signed_map = false;
};

Display display_of(const lumen::Tensor& attribution, std::int64_t n, bool signed_map) {
  lumen::Tensor sample = attribution.batch_slice(n);
  sample = sample.reshaped({sample.dim(1), sample.dim(2), sample.dim(3)});
  Display d;
  d.signed_map = signed_map;
  d.map = lumen::display_map(sample, d.signed_map);
  return d;
}

/// Size in KB (1024 bytes) of the heatmap PNG core write_heatmap_png would write.
double png_kilobytes(const Display& d) {
  return static_cast<double>(lumen::encode_heatmap_png(d.map, d.signed_map).size()) / 1024.0;
}

/// Shannon entropy in bits of the display values quantised to 256 levels ([0,1] or [-1,1]).
double shannon_bits(const Display& d) {
  std::vector<double> counts(256, 0.0);
  for (const float v : d.map.values()) {
    const double unit = d.signed_map ? (static_cast<double>(v) + 1.0) / 2.0 : v;
    counts[static_cast<std::size_t>(std::clamp(std::floor(unit * 256.0), 0.0, 255.0))] += 1.0;
  }
  const auto total = static_cast<double>(d.map.size());
  double bits = 0.0;
  for (const double count : counts) {
    if (count > 0.0) bits -= count / total * std::log2(count / total);
  }
  return std::max(bits, 0.0);
}

class XaiEntropy final : public lumen::Metric {
 public:
  lumen::MetricInfo info() const override {
    constexpr double inf = std::numeric_limits<double>::infinity();
    lumen::MetricInfo i;
    i.name = "xai-entropy";
    i.summary =
        "complexity of the heatmap: its PNG size in KB (default) or the Shannon entropy in bits "
        "of its 256 display levels";
    i.citation =
        "SAR study (Table 1, XAI entropy as the compressed heatmap's file size); C. E. Shannon. A "
        "mathematical theory of communication. Bell System Technical Journal, 1948.";
    i.direction = lumen::Direction::lower_is_better;
    i.min = 0.0;
    i.max = inf;
    i.params = {lumen::param::choice(
        "measure", "png-kb", {"png-kb", "shannon"},
        "png-kb: KB (1024 bytes) of the RGB heatmap PNG (stb, zlib level 8); shannon: "
        "bits of the 256-level display map")};
    return i;
  }

 private:
  lumen::MetricResult score_batch(const lumen::BatchCase& c, lumen::Context&) const override {
    const bool png = c.params.text("measure") == "png-kb";
    lumen::MetricResult result;
    for (std::int64_t n = 0; n < c.input.dim(0); ++n) {
      const Display d = display_of(c.attribution, n, c.signed_map);
      result.per_sample.push_back(png ? png_kilobytes(d) : shannon_bits(d));
    }
    result.aggregate = lumen::metric_support::mean(result.per_sample);
    return result;
  }
};

void fill(lumen::Registrar& registrar) { registrar.add_metric(std::make_shared<XaiEntropy>()); }

}  // namespace

LUMEN_PLUGIN("xai-entropy", "0.1.0", fill)
