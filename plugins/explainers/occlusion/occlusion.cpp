// Occlusion (Zeiler & Fergus 2014), with Captum's sliding windows: every window position replaces
// the input values under it by a baseline value; each input value gets the mean, over the windows
// covering it, of f_c(x) - f_c(x_occluded) (logits). The occluded logits come from whole forward
// passes (plain) or from the un-occluded activations with only each window's cone recomputed
// (incremental, Krypton), whichever `mode` asks or, by default, the cheaper.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <lumen/batching.hpp>
#include <lumen/explainer.hpp>
#include <lumen/explainer_info.hpp>
#include <lumen/model.hpp>
#include <lumen/plugin.hpp>
#include <vector>

#include "cone.hpp"
#include "incremental.hpp"
#include "local_layers.hpp"
#include "plain.hpp"
#include "sliding_windows.hpp"

namespace {

using lumen::occlusion::ConePlanner;
using lumen::occlusion::Jobs;
using lumen::occlusion::Logits;
using lumen::occlusion::SlidingWindows;

// `auto` runs incremental occlusion below this fraction of the plain path's FLOPs: patches are
// small kernel calls on gathered crops, slower per FLOP than whole passes.
constexpr double auto_threshold = 0.6;

std::string percent(double fraction) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f%%", 100.0 * fraction);
  return text;
}

// Each input value's mean drop over the windows covering it; drops[n * count + w].
lumen::Tensor mean_drops(const std::vector<double>& drops, const SlidingWindows& windows,
                         const lumen::Shape& shape) {
  lumen::Tensor map(shape);
  const std::int64_t count = windows.count();
  const std::int64_t plane = windows.dims[1] * windows.dims[2];
  const std::int64_t sample = windows.dims[0] * plane;
  std::vector<double> total(static_cast<std::size_t>(sample));
  std::vector<std::int32_t> covered(static_cast<std::size_t>(sample));
  for (std::int64_t n = 0; n < shape[0]; ++n) {
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
      map[n * sample + i] = static_cast<float>(total[static_cast<std::size_t>(i)] /
                                               covered[static_cast<std::size_t>(i)]);
  }
  return map;
}

std::string mode_note(const std::string& mode, bool incremental, double fraction,
                      std::int64_t count) {
  if (incremental) {
    return "mode: incremental (mode=" + mode + "), " + percent(fraction) +
           " of the plain path's FLOPs; forward passes: 1 + that share of " +
           std::to_string(count) + " passes, rounded up, per image";
  }
  if (mode == "plain") return "mode: plain (mode=plain)";
  return "mode: plain (mode=auto), incremental would compute " + percent(fraction) +
         " of its FLOPs";
}

class Occlusion final : public lumen::Explainer {
 public:
  lumen::ExplainerInfo info() const override {
    constexpr double inf = std::numeric_limits<double>::infinity();
    return lumen::perturbation_info(
        "occlusion",
        "mean drop of the target logit over the sliding windows that replace each input value by a "
        "baseline",
        "M. D. Zeiler, R. Fergus. Visualizing and Understanding Convolutional Networks. ECCV, "
        "2014.",
        {
            lumen::param::list("window", lumen::ParamType::integer, "3,3",
                               "window size as c,h,w, h,w (spanning every channel) or k (k,k)")
                .within(1, inf),
            lumen::param::list("stride", lumen::ParamType::integer, "1,1",
                               "window step as c,h,w, h,w (steps channels by 1) or k (k,k); at "
                               "most the window where the window does not cover the axis")
                .within(1, inf),
            lumen::param::real("baseline", 0.0, "value written under each window"),
            lumen::param::batch_size("windows per job: occluded copies per forward pass (plain), "
                                     "windows whose patches share kernel calls (incremental)"),
            lumen::param::choice(
                "mode", "auto", {"auto", "incremental", "plain"},
                "plain: a forward pass per window; incremental: recompute only what each window "
                "changes, from the image's activations (Krypton); auto: incremental when its "
                "estimated FLOPs are below 60% of plain's"),
        });
  }

 protected:
  lumen::Attribution compute(const lumen::ExplainRequest& request,
                             lumen::Context& context) const override {
    const auto& params = request.params;
    const lumen::Model& model = request.model;
    const lumen::Tensor& input = request.input;
    const auto windows = lumen::occlusion::make_sliding_windows(
        params.list("window"), params.list("stride"), model.input_spec().sample_shape);
    const auto baseline = static_cast<float>(params.real("baseline"));
    const std::string& mode = params.text("mode");
    std::int64_t batch = params.integer("batch_size");
    // A chunk's incremental patches are parts of the activations of as many whole passes.
    if (batch == 0)
      batch = lumen::samples_per_pass(model, context, lumen::PassKind::forward, windows.count());
    const Jobs jobs(input.dim(0), windows.count(), batch);

    const auto layers = lumen::occlusion::local_layers(model);
    const ConePlanner planner(model, layers, windows);
    // The FLOPs incremental occlusion would compute for one image: its chunks' cones.
    double planned = 0.0;
    if (mode != "plain") {
      for (std::int64_t job = 0; job < jobs.chunks; ++job)
        planned += planner.plan(jobs.first(job), jobs.size(job)).flops;
    }
    const double full = planner.plain_flops() * static_cast<double>(jobs.count);
    const double fraction = full > 0.0 ? planned / full : 1.0;
    const bool incremental = mode == "incremental" || (mode == "auto" && fraction < auto_threshold);

    const Logits logits =
        incremental ? lumen::occlusion::incremental_occlusion(request, windows, layers, planner,
                                                              planned, jobs, baseline, context)
                    : lumen::occlusion::plain_occlusion(request, windows, jobs, baseline, context);
    std::vector<double> drops(logits.occluded.size());
    for (std::size_t i = 0; i < drops.size(); ++i)
      drops[i] = logits.reference[i / static_cast<std::size_t>(jobs.count)] - logits.occluded[i];

    lumen::Attribution a;
    a.map = mean_drops(drops, windows, input.shape());
    a.notes.push_back("windows per image: " + std::to_string(jobs.count));
    a.notes.push_back(mode_note(mode, incremental, fraction, jobs.count));
    return a;
  }
};

void fill(lumen::Registrar& registrar) { registrar.add_explainer(std::make_shared<Occlusion>()); }

}  // namespace

LUMEN_PLUGIN("occlusion", "0.1.0", fill)
