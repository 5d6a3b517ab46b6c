// SmoothGrad (Smilkov et al. 2017) around any registered input-space explainer: the base's map
// averaged over `samples` noisy copies x + N(0, sigma^2), sigma = noise_level * (max x - min x)
// of each sample; variants squared (mean of squares) and VarGrad (variance), as Captum's
// NoiseTunnel (whose stdevs is the absolute sigma instead).
#include <algorithm>
#include <lumen/batching.hpp>
#include <lumen/error.hpp>
#include <lumen/explainer.hpp>
#include <lumen/explainer_info.hpp>
#include <lumen/model.hpp>
#include <lumen/noise.hpp>
#include <lumen/plugin.hpp>
#include <lumen/registry.hpp>

namespace {

constexpr std::string_view base_prefix = "base.";

class SmoothGrad final : public lumen::Explainer {
 public:
  explicit SmoothGrad(const lumen::Registry& registry) : registry_(registry) {}

  lumen::ExplainerInfo info() const override {
    lumen::ExplainerInfo i = lumen::gradient_info(
        "smoothgrad",
        "another explainer's map averaged over copies of the input with Gaussian noise",
        "D. Smilkov, N. Thorat, B. Kim, F. Viegas, M. Wattenberg. SmoothGrad: removing noise by "
        "adding noise. ICML Workshop on Visualization for Deep Learning, 2017.",
        {
            lumen::param::text("base", "saliency",
                               "registered input-space explainer whose maps are averaged"),
            lumen::param::integer("samples", 10, "number of noisy copies per input")
                .within(1, 100000),
            lumen::param::noise_level(),
            lumen::param::choice(
                "variant", "mean", {"mean", "squared", "vargrad"},
                "mean of the maps, mean of their squares (squared) or their variance (vargrad)"),
            lumen::param::pattern(
                "base", "a parameter of the base explainer, e.g. base.abs=false for saliency"),
        });
    i.stochastic = true;
    return i;
  }

 protected:
  lumen::Attribution compute(const lumen::ExplainRequest& request,
                             lumen::Context& context) const override {
    const lumen::Model& model = request.model;
    const lumen::Tensor& x = request.input;
    const std::string& base_name = request.params.text("base");
    const auto base = registry_.explainer(base_name);
    const lumen::ExplainerInfo base_info = base->info();
    if (base_info.output != lumen::OutputSpace::input) {
      throw lumen::InvalidArgument("smoothgrad: base explainer '" + base_name +
                                   "' explains in layer space; smoothgrad needs an input-space "
                                   "explainer (saliency, input-x-gradient, integrated-gradients, "
                                   "...)");
    }
    std::map<std::string, std::string> given;
    for (const auto& [name, value] : request.params.values()) {
      if (name.starts_with(base_prefix)) given[name.substr(base_prefix.size())] = value;
    }
    const lumen::Params base_params = lumen::Params::validate(
        base_info.params, given, "smoothgrad (base explainer '" + base_name + "')");

    const std::int64_t samples = request.params.integer("samples");
    const double noise_level = request.params.real("noise_level");
    const std::string& variant = request.params.text("variant");
    const std::int64_t n = x.dim(0), per = x.size() / n;
    const std::int64_t chunk =
        lumen::samples_per_pass(model, context, lumen::PassKind::gradient, samples);
    lumen::Attribution result;
    result.map = lumen::Tensor(x.shape());
    bool base_signed = false;
    for (std::int64_t s = 0; s < n; ++s) {
      context.check_cancelled();
      // The copies are made and go to the base explainer in passes that fit the context's pass
      // memory, side by side in waves of one pass per thread; their maps are summed in copy
      // order after each wave, so the sums do not depend on the thread count. Only vargrad keeps
      // every map, for its second pass over them.
      Sums sums;
      lumen::Tensor maps;
      const std::int64_t passes = (samples + chunk - 1) / chunk;
      const std::int64_t wave = std::max(1, context.threads());
      const std::vector<std::int64_t> targets(static_cast<std::size_t>(chunk),
                                              request.targets[static_cast<std::size_t>(s)]);
      for (std::int64_t first_pass = 0; first_pass < passes; first_pass += wave) {
        const std::int64_t in_wave = std::min(wave, passes - first_pass);
        std::vector<lumen::Attribution> parts(static_cast<std::size_t>(in_wave));
        context.parallel_for(in_wave, [&](std::int64_t j) {
          const std::int64_t first = (first_pass + j) * chunk;
          const std::int64_t count = std::min(chunk, samples - first);
          const lumen::Tensor copies =
              lumen::noisy_copies(x.batch_slice(s), first, count, noise_level, context);
          const lumen::ExplainRequest inner{
              model, copies, std::span(targets).first(static_cast<std::size_t>(count)), base_params,
              std::nullopt};
          parts[static_cast<std::size_t>(j)] = base->explain(inner, context);
        });
        for (std::int64_t j = 0; j < in_wave; ++j) {
          const lumen::Attribution& part = parts[static_cast<std::size_t>(j)];
          const std::int64_t first = (first_pass + j) * chunk;
          const std::int64_t count = std::min(chunk, samples - first);
          base_signed = base_signed || part.signed_map;
          result.components.insert(result.components.end(), part.components.begin(),
                                   part.components.end());
          const std::int64_t map_size = part.map.size() / count;
          sums.add(part.map.data(), count, map_size);
          if (variant == "vargrad") {
            if (maps.empty()) {
              lumen::Shape shape = part.map.shape();
              shape[0] = samples;
              maps = lumen::Tensor(shape);
            }
            std::copy(part.map.values().begin(), part.map.values().end(),
                      maps.data() + first * map_size);
          }
        }
      }
      reduce(sums, maps, samples, variant, result.map.data() + s * per);
      context.report_progress(static_cast<double>(s + 1) / static_cast<double>(n));
    }
    result.signed_map = variant == "mean" && base_signed;
    result.components.push_back({"explainer", base_name});
    result.notes.push_back("base: " + base_name + ", variant: " + variant + ", " +
                           std::to_string(samples) + " samples");
    return result;
  }

 private:
  // The running sums of the copies' maps and of their squares, added in copy order.
  struct Sums {
    std::vector<double> values, squares;
    void add(const float* maps, std::int64_t count, std::int64_t per) {
      if (values.empty()) {
        values.assign(static_cast<std::size_t>(per), 0.0);
        squares.assign(static_cast<std::size_t>(per), 0.0);
      }
      for (std::int64_t k = 0; k < count; ++k)
        for (std::int64_t i = 0; i < per; ++i) {
          const double v = maps[k * per + i];
          values[static_cast<std::size_t>(i)] += v;
          squares[static_cast<std::size_t>(i)] += v * v;
        }
    }
  };

  // Mean, mean of squares or variance (two-pass over `maps`, every copy's map, so never
  // negative) over the copies.
  static void reduce(const Sums& sums, const lumen::Tensor& maps, std::int64_t samples,
                     const std::string& variant, float* out) {
    const auto per = static_cast<std::int64_t>(sums.values.size());
    const auto count = static_cast<double>(samples);
    for (std::int64_t i = 0; i < per; ++i) {
      const double mean = sums.values[static_cast<std::size_t>(i)] / count;
      const double squares = sums.squares[static_cast<std::size_t>(i)];
      if (variant == "mean") {
        out[i] = static_cast<float>(mean);
      } else if (variant == "squared") {
        out[i] = static_cast<float>(squares / count);
      } else {
        double variance = 0.0;
        for (std::int64_t k = 0; k < samples; ++k) {
          const double d = maps[k * per + i] - mean;
          variance += d * d;
        }
        out[i] = static_cast<float>(variance / count);
      }
    }
  }

  const lumen::Registry& registry_;
};

void fill(lumen::Registrar& registrar) {
  registrar.add_explainer(std::make_shared<SmoothGrad>(registrar.registry()));
}

}  // namespace

LUMEN_PLUGIN("smoothgrad", "0.1.0", fill)
