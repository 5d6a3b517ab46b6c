// Occlusion (Zeiler & Fergus 2014), with Captum's sliding windows: every window position replaces
// the input values under it by a baseline value; each input value gets the mean, over the windows
// covering it, of f_c(x) - f_c(x_occluded) (logits).
#include <algorithm>
#include <limits>
#include <lumen/explainer.hpp>
#include <lumen/model.hpp>
#include <lumen/plugin.hpp>
#include <lumen/trace.hpp>
#include <vector>

#include "sliding_windows.hpp"

namespace {

using lumen::occlusion::SlidingWindows;

// The sample `image` ([1,C,H,W]) with windows [first, first + count) each filled with `baseline`,
// one window per copy: [count,C,H,W].
lumen::Tensor occluded_copies(const lumen::Tensor& image, const SlidingWindows& windows,
                              std::int64_t first, std::int64_t count, float baseline) {
  const std::int64_t plane = windows.dims[1] * windows.dims[2];
  const std::int64_t sample = windows.dims[0] * plane;
  lumen::Shape shape = image.shape();
  shape[0] = count;
  lumen::Tensor copies(shape);
  for (std::int64_t k = 0; k < count; ++k) {
    float* out = copies.data() + k * sample;
    std::copy(image.data(), image.data() + sample, out);
    const auto c = windows.range(first + k, 0);
    const auto y = windows.range(first + k, 1);
    const auto x = windows.range(first + k, 2);
    for (std::int64_t ci = c[0]; ci < c[1]; ++ci)
      for (std::int64_t yi = y[0]; yi < y[1]; ++yi)
        std::fill(out + ci * plane + yi * windows.dims[2] + x[0],
                  out + ci * plane + yi * windows.dims[2] + x[1], baseline);
  }
  return copies;
}

class Occlusion final : public lumen::Explainer {
 public:
  lumen::ExplainerInfo info() const override {
    lumen::ExplainerInfo i;
    i.name = "occlusion";
    i.family = lumen::Family::perturbation;
    i.summary =
        "mean drop of the target logit over the sliding windows that replace each input value "
        "by a baseline";
    i.citation =
        "M. D. Zeiler, R. Fergus. Visualizing and Understanding Convolutional Networks. ECCV, "
        "2014.";
    i.requirements = lumen::requires_nothing;
    i.output = lumen::OutputSpace::input;
    i.signed_output = true;
    constexpr double inf = std::numeric_limits<double>::infinity();
    i.params = {
        {"window",
         lumen::ParamType::text,
         "3,3",
         "window size as c,h,w, h,w (spanning every channel) or k (k,k)",
         0,
         0,
         {}},
        {"stride",
         lumen::ParamType::text,
         "1,1",
         "window step as c,h,w, h,w (steps channels by 1) or k (k,k); at most the window where "
         "the "
         "window does not cover the axis",
         0,
         0,
         {}},
        {"baseline", lumen::ParamType::real, "0", "value written under each window", -inf, inf, {}},
        {"batch_size",
         lumen::ParamType::integer,
         "64",
         "occluded copies per forward pass",
         1,
         1 << 20,
         {}},
    };
    return i;
  }

  lumen::Attribution explain(const lumen::ExplainRequest& request,
                             lumen::Context& context) const override {
    lumen::ExplanationMeter meter(context);
    lumen::check_targets(request.model, request.input, request.targets);
    const auto& params = request.params;
    const lumen::Tensor& input = request.input;
    const SlidingWindows windows = lumen::occlusion::make_sliding_windows(
        params.text("window"), params.text("stride"), request.model.input_spec().sample_shape);
    const auto baseline = static_cast<float>(params.real("baseline"));
    const std::int64_t batch = params.integer("batch_size");
    const std::int64_t samples = input.dim(0);
    const std::int64_t classes = request.model.class_count();
    const std::int64_t count = windows.count();
    const std::int64_t chunks = (count + batch - 1) / batch;

    const lumen::Tensor logits = lumen::predict_logits(request.model, input, context);
    // drops[n * count + w] = f_c(x_n) - f_c(x_n with window w occluded); one job per (sample,
    // chunk of windows), each writing its own slots, so the result is the same for any threads.
    std::vector<double> drops(static_cast<std::size_t>(samples * count));
    context.parallel_for(samples * chunks, [&](std::int64_t job) {
      context.check_cancelled();
      const std::int64_t n = job / chunks;
      const std::int64_t first = (job % chunks) * batch;
      const std::int64_t size = std::min(batch, count - first);
      const lumen::Tensor copies =
          occluded_copies(input.batch_slice(n), windows, first, size, baseline);
      const lumen::Tensor occluded = lumen::predict_logits(request.model, copies, context);
      const std::int64_t target = request.targets[static_cast<std::size_t>(n)];
      const double reference = logits[n * classes + target];
      for (std::int64_t k = 0; k < size; ++k)
        drops[static_cast<std::size_t>(n * count + first + k)] =
            reference - occluded[k * classes + target];
    });

    lumen::Attribution a;
    a.map = lumen::Tensor(input.shape());
    const std::int64_t plane = windows.dims[1] * windows.dims[2];
    const std::int64_t sample = windows.dims[0] * plane;
    std::vector<double> total(static_cast<std::size_t>(sample));
    std::vector<std::int32_t> covered(static_cast<std::size_t>(sample));
    for (std::int64_t n = 0; n < samples; ++n) {
      std::fill(total.begin(), total.end(), 0.0);
      std::fill(covered.begin(), covered.end(), 0);
      for (std::int64_t w = 0; w < count; ++w) {
        const double drop = drops[static_cast<std::size_t>(n * count + w)];
        const auto c = windows.range(w, 0);
        const auto y = windows.range(w, 1);
        const auto x = windows.range(w, 2);
        for (std::int64_t ci = c[0]; ci < c[1]; ++ci)
          for (std::int64_t yi = y[0]; yi < y[1]; ++yi)
            for (std::int64_t xi = x[0]; xi < x[1]; ++xi) {
              const auto i = static_cast<std::size_t>(ci * plane + yi * windows.dims[2] + xi);
              total[i] += drop;
              ++covered[i];
            }
      }
      for (std::int64_t i = 0; i < sample; ++i)
        a.map[n * sample + i] = static_cast<float>(total[static_cast<std::size_t>(i)] /
                                                   covered[static_cast<std::size_t>(i)]);
    }
    a.notes.push_back("windows per image: " + std::to_string(count));
    meter.finish(a);
    return a;
  }
};

void fill(lumen::Registrar& registrar) { registrar.add_explainer(std::make_shared<Occlusion>()); }

}  // namespace

LUMEN_PLUGIN("occlusion", "0.1.0", fill)
