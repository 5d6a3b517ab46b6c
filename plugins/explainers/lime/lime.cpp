// LIME for images (Ribeiro et al. 2016): random on/off samples of an image's segments, the
// target's score on each, and a ridge fit weighted by an exponential kernel on the cosine distance
// to the unperturbed image; each segment is painted with its coefficient.
#include <algorithm>
#include <cmath>
#include <limits>
#include <lumen/batching.hpp>
#include <lumen/cam.hpp>
#include <lumen/error.hpp>
#include <lumen/explainer.hpp>
#include <lumen/explainer_info.hpp>
#include <lumen/model.hpp>
#include <lumen/plugin.hpp>
#include <lumen/trace.hpp>
#include <random>
#include <vector>

#include "ridge.hpp"
#include "segmentation.hpp"

namespace {

using lumen::lime::Segments;

// The random stream of the on/off vectors: sample i draws from context.rng(i, on_off_stream), so
// every image of a batch sees the same vectors and a batch equals one-by-one.
constexpr std::uint64_t on_off_stream = 0;

// The image every switched-off segment takes its values from ([C,H,W] values).
std::vector<float> fill_image(const float* image, const Segments& segments, std::int64_t channels,
                              std::int64_t pixels, const std::string& fill, float baseline) {
  std::vector<float> out(static_cast<std::size_t>(channels * pixels), baseline);
  if (fill == "baseline") return out;
  for (std::int64_t c = 0; c < channels; ++c) {
    const float* plane = image + c * pixels;
    std::vector<double> sum(fill == "mean" ? 1 : static_cast<std::size_t>(segments.count));
    std::vector<double> count(sum.size());
    for (std::int64_t i = 0; i < pixels; ++i) {
      const std::size_t k =
          fill == "mean" ? 0
                         : static_cast<std::size_t>(segments.labels[static_cast<std::size_t>(i)]);
      sum[k] += plane[i];
      count[k] += 1.0;
    }
    for (std::int64_t i = 0; i < pixels; ++i) {
      const std::size_t k =
          fill == "mean" ? 0
                         : static_cast<std::size_t>(segments.labels[static_cast<std::size_t>(i)]);
      out[static_cast<std::size_t>(c * pixels + i)] = static_cast<float>(sum[k] / count[k]);
    }
  }
  return out;
}

class Lime final : public lumen::Explainer {
 public:
  lumen::ExplainerInfo info() const override {
    constexpr double inf = std::numeric_limits<double>::infinity();
    lumen::ExplainerInfo i = lumen::perturbation_info(
        "lime",
        "weighted ridge fit of the target's probability on random on/off samples of image segments",
        "M. T. Ribeiro, S. Singh, C. Guestrin. \"Why Should I Trust You?\": Explaining the "
        "Predictions of Any Classifier. KDD, 2016.",
        {
            lumen::param::choice("segmentation", "grid", {"grid", "slic"},
                                 "how to cut the image into segments"),
            lumen::param::integer("segments", 16, "number of segments asked for").within(1, 4096),
            lumen::param::real("compactness", 0.1,
                               "slic: weight of the spatial distance (in grid intervals) against "
                               "the intensity in [0,1]")
                .within(0, inf),
            lumen::param::integer("samples", 200,
                                  "perturbed samples per image (the first is the image itself)")
                .within(2, 1 << 20),
            lumen::param::real(
                "kernel_width", 0.25,
                "width of the kernel sqrt(exp(-d^2 / width^2)) on the cosine distance d (LIME's)")
                .within(1e-12, inf),
            lumen::param::real("alpha", 1.0, "ridge penalty (LIME's Ridge(alpha=1))")
                .within(0, inf),
            lumen::param::choice(
                "fill", "baseline", {"baseline", "mean", "segment-mean"},
                "what switched-off segments show: the baseline value, the image's mean per "
                "channel, or each segment's own mean per channel (LIME's hide_color=None)"),
            lumen::param::real("baseline", 0.0, "fill=baseline: the value"),
            lumen::param::mask_score(
                lumen::MaskScore::probability,
                "what is fitted: the target's softmax probability (LIME) or its logit"),
            lumen::param::batch_size("perturbed images per forward pass"),
        });
    i.stochastic = true;
    return i;
  }

 protected:
  lumen::Attribution compute(const lumen::ExplainRequest& request,
                             lumen::Context& context) const override {
    const auto& params = request.params;
    const lumen::Tensor& input = request.input;
    const std::int64_t n_images = input.dim(0), channels = input.dim(1);
    const std::int64_t height = input.dim(2), width = input.dim(3);
    const std::int64_t pixels = height * width, sample_size = channels * pixels;
    const std::int64_t samples = params.integer("samples");
    std::int64_t batch = params.integer("batch_size");
    if (batch == 0)
      batch = lumen::samples_per_pass(request.model, context, lumen::PassKind::forward, samples);
    const std::int64_t classes = request.model.class_count();
    const bool probability = lumen::mask_score(params) == lumen::MaskScore::probability;

    std::vector<Segments> segments;
    std::vector<std::vector<float>> fills;
    std::vector<std::vector<double>> on;  // per image: samples x k, row-major
    for (std::int64_t n = 0; n < n_images; ++n) {
      const float* image = input.data() + n * sample_size;
      segments.push_back(params.text("segmentation") == "grid"
                             ? lumen::lime::grid_segments(height, width, params.integer("segments"))
                             : lumen::lime::slic_segments(image, channels, height, width,
                                                          params.integer("segments"),
                                                          params.real("compactness")));
      fills.push_back(fill_image(image, segments.back(), channels, pixels, params.text("fill"),
                                 static_cast<float>(params.real("baseline"))));
      const std::int64_t k = segments.back().count;
      std::vector<double> z(static_cast<std::size_t>(samples * k), 1.0);
      for (std::int64_t s = 1; s < samples; ++s) {
        auto rng = context.rng(static_cast<std::uint64_t>(s), on_off_stream);
        std::bernoulli_distribution coin(0.5);
        for (std::int64_t j = 0; j < k; ++j) z[static_cast<std::size_t>(s * k + j)] = coin(rng);
      }
      on.push_back(std::move(z));
    }

    // scores[n * samples + s]: one job per (image, chunk of samples), each writing its own slots.
    const std::int64_t chunks = (samples + batch - 1) / batch;
    std::vector<double> scores(static_cast<std::size_t>(n_images * samples));
    context.parallel_for(n_images * chunks, [&](std::int64_t job) {
      context.check_cancelled();
      const std::int64_t n = job / chunks, first = (job % chunks) * batch;
      const std::int64_t size = std::min(batch, samples - first);
      const auto nu = static_cast<std::size_t>(n);
      const std::int64_t k = segments[nu].count;
      const float* image = input.data() + n * sample_size;
      lumen::Shape shape = input.shape();
      shape[0] = size;
      lumen::Tensor copies(shape);
      for (std::int64_t r = 0; r < size; ++r) {
        const double* z = on[nu].data() + (first + r) * k;
        float* out = copies.data() + r * sample_size;
        for (std::int64_t c = 0; c < channels; ++c)
          for (std::int64_t i = 0; i < pixels; ++i) {
            const std::int64_t v = c * pixels + i;
            out[v] = z[segments[nu].labels[static_cast<std::size_t>(i)]] > 0.5
                         ? image[v]
                         : fills[nu][static_cast<std::size_t>(v)];
          }
      }
      lumen::Tensor scored = lumen::predict_logits(request.model, copies, context);
      if (probability) scored = lumen::softmax_rows(scored);
      const std::int64_t target = request.targets[nu];
      for (std::int64_t r = 0; r < size; ++r)
        scores[static_cast<std::size_t>(n * samples + first + r)] = scored[r * classes + target];
    });

    lumen::Attribution a;
    a.map = lumen::Tensor(input.shape());
    const double width_sq = params.real("kernel_width") * params.real("kernel_width");
    for (std::int64_t n = 0; n < n_images; ++n) {
      const auto nu = static_cast<std::size_t>(n);
      const std::int64_t k = segments[nu].count;
      std::vector<double> weights(static_cast<std::size_t>(samples));
      for (std::int64_t s = 0; s < samples; ++s) {
        double count = 0.0;
        for (std::int64_t j = 0; j < k; ++j) count += on[nu][static_cast<std::size_t>(s * k + j)];
        // Cosine distance to the all-ones vector (1 for the all-off vector, as scikit-learn).
        const double d = 1.0 - std::sqrt(count / static_cast<double>(k));
        weights[static_cast<std::size_t>(s)] = std::sqrt(std::exp(-d * d / width_sq));
      }
      const std::vector<double> y(scores.begin() + n * samples, scores.begin() + (n + 1) * samples);
      const auto beta = lumen::lime::weighted_ridge(on[nu], y, weights, k, params.real("alpha"));
      for (std::int64_t c = 0; c < channels; ++c)
        for (std::int64_t i = 0; i < pixels; ++i)
          a.map[n * sample_size + c * pixels + i] = static_cast<float>(
              beta[static_cast<std::size_t>(segments[nu].labels[static_cast<std::size_t>(i)])]);
      a.notes.push_back("image " + std::to_string(n) + ": " + std::to_string(k) + " segments");
    }
    return a;
  }
};

void fill(lumen::Registrar& registrar) { registrar.add_explainer(std::make_shared<Lime>()); }

}  // namespace

LUMEN_PLUGIN("lime", "0.1.0", fill)
