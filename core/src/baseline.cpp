#include "lumen/baseline.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>

#include "lumen/blur.hpp"
#include "lumen/error.hpp"
#include "lumen/io.hpp"

namespace lumen {
namespace {

struct Kind {
  const char* name;
  const char* help;
};

constexpr Kind known_kinds[] = {
    {"zeros", "zeros"},
    {"constant", "constant (baseline_value)"},
    {"blur", "blur (the input blurred by baseline_sigma)"},
    {"uniform", "uniform (noise in [min x, max x] per sample, seeded)"},
    {"npy", "npy (baseline_file)"},
};

Tensor from_file(const std::string& file, const Tensor& input, const std::string& method) {
  if (file.empty()) throw InvalidArgument(method + ": baseline=npy needs baseline_file=PATH.npy");
  const Tensor b = read_npy(file);
  const Shape& s = input.shape();
  if (b.shape() == s) return b;
  const Shape sample{s[1], s[2], s[3]}, one{1, s[1], s[2], s[3]};
  if (b.shape() != sample && b.shape() != one) {
    throw ShapeError(method + ": baseline_file '" + file + "' has shape " + to_string(b.shape()) +
                     "; expected " + to_string(sample) + ", " + to_string(one) +
                     " or the batch's " + to_string(s));
  }
  Tensor out(s);
  const std::int64_t per = b.size();
  for (std::int64_t n = 0; n < s[0]; ++n) std::copy_n(b.data(), per, out.data() + n * per);
  return out;
}

// Uniform in [min x, max x] of each sample, from one stream shared by all samples so that a
// sample's baseline does not depend on its position in the batch.
Tensor uniform(const Tensor& input, const Context& context) {
  Tensor out(input.shape());
  const std::int64_t per = input.size() / input.dim(0);
  for (std::int64_t n = 0; n < input.dim(0); ++n) {
    const float* x = input.data() + n * per;
    const auto [lo, hi] = std::minmax_element(x, x + per);
    auto rng = context.rng(0, baseline_uniform_stream);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    for (std::int64_t i = 0; i < per; ++i) {
      out[n * per + i] = static_cast<float>(*lo + (*hi - *lo) * u(rng));
    }
  }
  return out;
}

}  // namespace

std::vector<ParamSpec> baseline_params(const std::vector<std::string>& kinds,
                                       double default_sigma) {
  if (kinds.empty()) throw InvalidArgument("baseline_params: no baseline kind offered");
  std::string help = "the reference input: ";
  for (std::size_t i = 0; i < kinds.size(); ++i) {
    const auto* kind = std::find_if(std::begin(known_kinds), std::end(known_kinds),
                                    [&](const Kind& k) { return kinds[i] == k.name; });
    if (kind == std::end(known_kinds)) {
      throw InvalidArgument("baseline_params: unknown baseline kind '" + kinds[i] +
                            "' (known: zeros, constant, blur, uniform, npy)");
    }
    if (std::find(kinds.begin(), kinds.begin() + static_cast<std::ptrdiff_t>(i), kinds[i]) !=
        kinds.begin() + static_cast<std::ptrdiff_t>(i)) {
      throw InvalidArgument("baseline_params: baseline kind '" + kinds[i] + "' given twice");
    }
    help += (i == 0 ? "" : i + 1 == kinds.size() ? " or " : ", ") + std::string(kind->help);
  }
  const auto offers = [&](const char* kind) {
    return std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
  };
  std::vector<ParamSpec> specs{lumen::param::choice("baseline", kinds.front(), kinds, help)};
  if (offers("constant")) {
    specs.push_back(
        lumen::param::real("baseline_value", 0.0, "value of every element with baseline=constant")
            .within(-1e6, 1e6));
  }
  if (offers("blur")) {
    specs.push_back(param::real("baseline_sigma", default_sigma,
                                "standard deviation in pixels of the Gaussian blur with "
                                "baseline=blur (0: the input itself)")
                        .within(0.0, 1e3));
  }
  if (offers("npy")) {
    specs.push_back(lumen::param::text(
        "baseline_file", "",
        "a .npy baseline with baseline=npy: [C,H,W], [1,C,H,W] or one per sample [N,C,H,W]"));
  }
  return specs;
}

Tensor make_baselines(const Params& params, const Tensor& input, const Context& context,
                      std::string_view method_name) {
  const std::string method(method_name);
  if (input.rank() != 4) {
    throw ShapeError(method + ": a baseline needs an [N,C,H,W] input, got " +
                     to_string(input.shape()));
  }
  const std::string& kind = params.text("baseline");
  const std::string file = params.has("baseline_file") ? params.text("baseline_file") : "";
  if (kind != "npy" && !file.empty()) {
    throw InvalidArgument(
        method + ": baseline_file is only read with baseline=npy (got baseline=" + kind + ")");
  }
  if (kind == "zeros") return Tensor(input.shape());
  if (kind == "constant") {
    return Tensor(input.shape(), static_cast<float>(params.real("baseline_value")));
  }
  if (kind == "blur") {
    const double sigma = params.real("baseline_sigma");
    return sigma == 0.0 ? input : gaussian_blur(input, sigma);
  }
  if (kind == "uniform") return uniform(input, context);
  if (kind == "npy") return from_file(file, input, method);
  throw InvalidArgument(method + ": unknown baseline '" + kind + "'");
}

std::vector<std::string> delta_notes(const Tensor& map, std::span<const std::int64_t> targets,
                                     const Tensor& logits, const Tensor& reference_logits,
                                     std::string_view property) {
  const std::int64_t n = map.dim(0), per = map.size() / n, classes = logits.dim(1);
  std::vector<std::string> notes;
  for (std::int64_t s = 0; s < n; ++s) {
    const auto at = s * classes + targets[static_cast<std::size_t>(s)];
    const double delta =
        static_cast<double>(logits[at]) - static_cast<double>(reference_logits[at]);
    double sum = 0.0;
    for (std::int64_t i = 0; i < per; ++i) sum += map[s * per + i];
    const double error = std::fabs(sum - delta);
    char text[160];
    std::snprintf(text, sizeof text,
                  " error |sum R - (f_c(x) - f_c(x'))| = %.3g (relative %.3g; sum R = %.6g, "
                  "f_c(x) - f_c(x') = %.6g)",
                  error, error / std::max(std::fabs(delta), 1e-30), sum, delta);
    notes.push_back("sample " + std::to_string(s) + ": " + std::string(property) + text);
  }
  return notes;
}

}  // namespace lumen
