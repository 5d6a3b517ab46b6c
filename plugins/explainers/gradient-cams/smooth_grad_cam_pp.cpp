// Smooth Grad-CAM++ (Omeiza et al. 2019): Grad-CAM++ whose three derivative terms are averaged over
// M noisy copies x + N(0, sigma^2), sigma = noise_level * (max x - min x), before the weights are
// formed. In pytorch-grad-cam's exponential-output form (see grad-cam-pp), with g the gradient of
// the target logit at the layer for one copy and D1, D2, D3 the means of g, g^2, g^3:
// a_ij = D2 / (2 D2 + (sum_ab A_ab) D3 + 1e-6) (0 where D2 = 0), w_k = sum_ij a_ij ReLU(D1_ij),
// L = ReLU(sum_k w_k A^k) with A the feature maps of the clean input, upsampled bilinearly.
#include <algorithm>
#include <lumen/batching.hpp>
#include <lumen/cam.hpp>
#include <lumen/model.hpp>
#include <lumen/noise.hpp>
#include <lumen/propagation.hpp>
#include <lumen/trace.hpp>
#include <vector>

#include "methods.hpp"

namespace lumen::gradient_cams {

namespace {

constexpr double denominator_epsilon = 1e-6;

class SmoothGradCamPp final : public Explainer {
 public:
  ExplainerInfo info() const override {
    ExplainerInfo i = gradient_cam_info(
        "smooth-grad-cam-pp",
        "Grad-CAM++ with its first, second and third derivative terms averaged over noisy copies "
        "of the input",
        "D. Omeiza, S. Speakman, C. Cintas, K. Weldemariam. Smooth Grad-CAM++: An Enhanced "
        "Inference Level Visualization Technique for Deep Convolutional Neural Network Models. "
        "arXiv:1908.01224, 2019.",
        {
            lumen::param::integer("samples", 25, "number of noisy copies M per input")
                .within(1, 100000),
            lumen::param::noise_level(),
            lumen::param::relu("apply ReLU to the weighted sum"),
            lumen::param::batch_size("noisy copies per forward and backward pass (bounds memory)"),
        });
    i.stochastic = true;
    return i;
  }

 protected:
  Attribution compute(const ExplainRequest& request, Context& context) const override {
    const Model& model = request.model;
    const Tensor& input = request.input;
    const NodeId layer = cam_layer(request);
    const std::int64_t samples = request.params.integer("samples");
    std::int64_t batch = request.params.integer("batch_size");
    if (batch == 0) batch = samples_per_pass(model, context, PassKind::gradient, samples);
    const double noise_level = request.params.real("noise_level");

    // The feature maps A come from the clean input: one forward pass per image.
    const Tensor features = node_output(model, input, layer, context);
    const auto n = features.dim(0), k = features.dim(1);
    const auto plane = features.dim(2) * features.dim(3);
    const std::int64_t per_map = k * plane;

    // One job per (sample, chunk) sums g^(power+1) over the copies of its chunk into its own part
    // (power * per_map + i), and the parts of a sample are added to its totals in chunk order, so
    // the result does not depend on the thread count. The jobs run in waves of a few per thread,
    // so that the parts alive do not grow with the number of copies.
    const std::int64_t chunks = (samples + batch - 1) / batch;
    const std::int64_t jobs = n * chunks;
    const std::int64_t wave = std::min<std::int64_t>(jobs, 2 * std::max(1, context.threads()));
    std::vector<double> parts(static_cast<std::size_t>(wave * 3 * per_map));
    // totals[(s * 3 + power) * per_map + i]: the sum over every copy of sample s.
    std::vector<double> totals(static_cast<std::size_t>(n * 3 * per_map), 0.0);
    const auto run_job = [&](std::int64_t job, double* out) {
      const std::int64_t s = job / chunks;
      const std::int64_t first = (job % chunks) * batch;
      const std::int64_t size = std::min(batch, samples - first);
      const std::vector<std::int64_t> targets(static_cast<std::size_t>(size),
                                              request.targets[static_cast<std::size_t>(s)]);
      const auto run = propagate_from_targets(
          model, noisy_copies(input.batch_slice(s), first, size, noise_level, context), targets,
          RuleMap(gradient_rule()), StartValue::one, {layer}, context);
      const Tensor& g = run.signals.at(layer);
      for (std::int64_t j = 0; j < size; ++j) {
        const float* copy = g.data() + j * per_map;
        for (std::int64_t i = 0; i < per_map; ++i) {
          const double g1 = copy[i];
          out[i] += g1;
          out[per_map + i] += g1 * g1;
          out[2 * per_map + i] += g1 * g1 * g1;
        }
      }
    };
    for (std::int64_t first = 0; first < jobs; first += wave) {
      const std::int64_t count = std::min(wave, jobs - first);
      std::fill(parts.begin(), parts.end(), 0.0);
      context.parallel_for(
          count, [&](std::int64_t j) { run_job(first + j, parts.data() + j * 3 * per_map); });
      for (std::int64_t j = 0; j < count; ++j) {
        const double* part = parts.data() + j * 3 * per_map;
        double* total = totals.data() + (first + j) / chunks * 3 * per_map;
        for (std::int64_t i = 0; i < 3 * per_map; ++i) total[i] += part[i];
      }
    }

    Tensor weights({n, k});
    const auto count = static_cast<double>(samples);
    std::vector<double> mean(static_cast<std::size_t>(3 * per_map));
    for (std::int64_t s = 0; s < n; ++s) {
      const double* total = totals.data() + s * 3 * per_map;
      for (std::int64_t i = 0; i < 3 * per_map; ++i)
        mean[static_cast<std::size_t>(i)] = total[i] / count;
      for (std::int64_t m = 0; m < k; ++m) {
        const float* a = features.data() + (s * k + m) * plane;
        double total = 0.0;
        for (std::int64_t p = 0; p < plane; ++p) total += a[p];
        double weight = 0.0;
        for (std::int64_t p = 0; p < plane; ++p) {
          const auto i = static_cast<std::size_t>(m * plane + p);
          const double d1 = mean[i], d2 = mean[per_map + i], d3 = mean[2 * per_map + i];
          // a_ij is 0 where D2 = 0 (every copy's gradient is 0) and ReLU(D1) is 0 where D1 <= 0.
          if (d1 <= 0.0 || d2 == 0.0) continue;
          weight += d2 / (2.0 * d2 + total * d3 + denominator_epsilon) * d1;
        }
        weights[s * k + m] = static_cast<float>(weight);
      }
    }
    Attribution result =
        cam_attribution(request, layer, features, weights, request.params.boolean("relu"));
    result.notes.push_back(std::to_string(samples) + " noisy copies, noise_level " +
                           request.params.text("noise_level"));
    return result;
  }
};

}  // namespace

std::shared_ptr<const Explainer> make_smooth_grad_cam_pp() {
  return std::make_shared<SmoothGradCamPp>();
}

}  // namespace lumen::gradient_cams
