// Group-CAM (Zhang, Rao, Yang 2021). With Grad-CAM's weights alpha_k = mean_ij d f_c / d A^k_ij,
// the K maps are split into G groups of consecutive channels; each group's map
// M_g = ReLU(sum_{k in g} alpha_k A^k) is de-noised (values not above its p-th percentile set to
// 0), upsampled and min-max scaled to the mask H_g = s(Up(M_g)), which keeps the input against its
// Gaussian blur: x_g = x * H_g + blur(x) * (1 - H_g). The weight w_g = S_c(x_g) - S_c(blur(x)) (S_c
// the softmax probability), and L = ReLU(sum_g w_g M^_g), where M^_g is M_g scaled with the same
// minimum and maximum as H_g, so that Up(sum_g w_g M^_g) = sum_g w_g H_g.
#include <algorithm>
#include <cmath>
#include <lumen/batching.hpp>
#include <lumen/blur.hpp>
#include <lumen/cam.hpp>
#include <lumen/detail/map_math.hpp>
#include <lumen/error.hpp>
#include <lumen/explainer.hpp>
#include <lumen/model.hpp>
#include <lumen/plugin.hpp>
#include <lumen/resample.hpp>
#include <lumen/trace.hpp>
#include <numeric>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace {

// The p-th percentile of `values` with linear interpolation between the sorted values (numpy's
// default).
float percentile(std::vector<float> values, double p) {
  std::sort(values.begin(), values.end());
  const double position = static_cast<double>(values.size() - 1) * p / 100.0;
  const auto low = static_cast<std::size_t>(std::floor(position));
  const std::size_t high = std::min(low + 1, values.size() - 1);
  const double fraction = position - static_cast<double>(low);
  return static_cast<float>(values[low] + (values[high] - values[low]) * fraction);
}

// x * H + b * (1 - H) for the masks `groups[first, first + count)` of image `sample`, made here
// from `masks` one at a time: x and b are [1,C,H,W].
lumen::Tensor masked_copies(const lumen::Tensor& x, const lumen::Tensor& b,
                            const lumen::MaskSource& masks, std::int64_t sample,
                            const std::vector<std::int64_t>& groups, std::size_t first,
                            std::size_t count) {
  lumen::Shape shape = x.shape();
  shape[0] = static_cast<std::int64_t>(count);
  lumen::Tensor copies = lumen::Tensor::uninitialised(shape);
  std::vector<float> mask(static_cast<std::size_t>(x.dim(2) * x.dim(3)));
  const auto per_copy = static_cast<std::size_t>(x.size());
  for (std::size_t j = 0; j < count; ++j) {
    masks.fill(sample, groups[first + j], mask);
    lumen::detail::blend_by_mask(x.values(), b.values(), mask,
                                 copies.values().subspan(j * per_copy, per_copy));
  }
  return copies;
}

class GroupCam final : public lumen::Explainer {
 public:
  lumen::ExplainerInfo info() const override {
    lumen::ExplainerInfo i = lumen::cam_info(
        "group-cam",
        "Grad-CAM maps summed in groups of channels, each group weighted by the target score of "
        "the input kept by the group's mask against its blurred copy",
        "Q. Zhang, L. Rao, Y. Yang. Group-CAM: Group Score-Weighted Visual Explanations for Deep "
        "Convolutional Networks. arXiv:2103.13859, 2021.",
        {
            lumen::param::integer(
                "groups", 32,
                "number of groups G of consecutive channels (clamped to the layer's channel count)")
                .within(1, 1 << 20),
            lumen::param::real("denoise_percentile", 70.0,
                               "values of a group map not above this percentile of it are set to 0 "
                               "(0: no de-noising)")
                .within(0.0, 100.0),
            lumen::param::integer("blur_kernel", 51,
                                  "size of the Gaussian blur's square kernel (odd)")
                .within(1, 1001),
            lumen::param::real("blur_sigma", 50.0,
                               "standard deviation of the Gaussian blur, in pixels")
                .within(1e-3, 1e6),
            lumen::param::relu("apply ReLU to the weighted sum"),
            lumen::param::batch_size("masked inputs per forward pass (bounds memory)"),
        });
    i.requirements |= lumen::requires_gradients;
    return i;
  }

 protected:
  lumen::Attribution compute(const lumen::ExplainRequest& request,
                             lumen::Context& context) const override {
    const lumen::Model& model = request.model;
    const lumen::Tensor& input = request.input;
    const lumen::NodeId layer = lumen::cam_layer(request);
    const double denoise = request.params.real("denoise_percentile");
    // Checked before any pass runs.
    const std::int64_t kernel = request.params.integer("blur_kernel");
    if (kernel % 2 == 0) {
      throw lumen::InvalidArgument("group-cam: blur_kernel must be odd, got " +
                                   std::to_string(kernel));
    }
    const lumen::Tensor blurred = lumen::gaussian_blur(input, request.params.real("blur_sigma"),
                                                       kernel, lumen::BlurBorder::reflect);

    const lumen::LayerGradients run = lumen::layer_gradients(request, layer, context);
    const lumen::Tensor& features = run.features;
    const lumen::Tensor& gradients = run.gradients;
    const auto n = features.dim(0), k = features.dim(1), h = features.dim(2), w = features.dim(3);
    const auto plane = h * w;
    const std::int64_t groups = std::min(request.params.integer("groups"), k);

    // Grad-CAM's weights, [N,K].
    std::vector<float> alphas(static_cast<std::size_t>(n * k));
    for (std::size_t i = 0; i < alphas.size(); ++i) {
      const float* d = gradients.data() + static_cast<std::int64_t>(i) * plane;
      alphas[i] =
          static_cast<float>(std::accumulate(d, d + plane, 0.0) / static_cast<double>(plane));
    }
    lumen::Tensor maps({n, groups, h, w});
    for (std::int64_t s = 0; s < n; ++s)
      for (std::int64_t g = 0; g < groups; ++g) {
        const std::int64_t first = s * k + g * k / groups, last = s * k + (g + 1) * k / groups;
        const auto out = maps.values().subspan((s * groups + g) * plane, plane);
        lumen::detail::add_weighted_maps(
            features.values().subspan(first * plane, (last - first) * plane),
            std::span<const float>(alphas).subspan(first, last - first), out);
        std::for_each(out.begin(), out.end(), [](float& v) { v = std::max(v, 0.0F); });
        if (denoise > 0.0) {
          const float threshold = percentile({out.begin(), out.end()}, denoise);
          std::for_each(out.begin(), out.end(), [&](float& v) { v = v > threshold ? v : 0.0F; });
        }
      }

    // Masks H_g, made per batch from the group maps (all G at the input's size would grow with
    // G). A constant mask (an all-zero group map, say) gets weight 0 without a pass, as its masked
    // input would be blur(x) itself. The minimum and range of each Up(M_g), taken here one plane
    // at a time, scale M_g itself.
    const lumen::MaskSource masks = lumen::upsampled_unit_masks(maps, input.dim(2), input.dim(3));
    std::vector<std::vector<std::int64_t>> active(static_cast<std::size_t>(n));
    for (std::int64_t s = 0; s < n; ++s)
      for (std::int64_t g = 0; g < groups; ++g) {
        const auto map = maps.values().subspan((s * groups + g) * plane, plane);
        const lumen::Tensor up = lumen::upsample_bilinear(
            lumen::Tensor({1, 1, h, w}, std::vector<float>(map.begin(), map.end())), input.dim(2),
            input.dim(3));
        const lumen::detail::ValueRange range = lumen::detail::value_range(up.values());
        if (range.max - range.min > 0.0F) active[static_cast<std::size_t>(s)].push_back(g);
        lumen::detail::scale_by_range(map, range);
      }
    std::int64_t batch = request.params.integer("batch_size");
    if (batch == 0)
      batch = lumen::samples_per_pass(model, context, lumen::PassKind::forward, groups);

    const auto target_of = [&](std::int64_t s) {
      return request.targets[static_cast<std::size_t>(s)];
    };
    const std::int64_t classes = model.class_count();
    const lumen::Tensor baseline =
        lumen::softmax_rows(lumen::predict_logits(model, blurred, context));
    std::vector<std::pair<std::int64_t, std::size_t>> jobs;  // (sample, first active group)
    for (std::int64_t s = 0; s < n; ++s)
      for (std::size_t first = 0; first < active[static_cast<std::size_t>(s)].size();
           first += static_cast<std::size_t>(batch))
        jobs.emplace_back(s, first);
    lumen::Tensor weights({n, groups});
    context.parallel_for(static_cast<std::int64_t>(jobs.size()), [&](std::int64_t job) {
      const auto [s, first] = jobs[static_cast<std::size_t>(job)];
      const auto& list = active[static_cast<std::size_t>(s)];
      const std::size_t size = std::min(static_cast<std::size_t>(batch), list.size() - first);
      const lumen::Tensor scores = lumen::softmax_rows(lumen::predict_logits(
          model,
          masked_copies(input.batch_slice(s), blurred.batch_slice(s), masks, s, list, first, size),
          context));
      const float reference = baseline[s * classes + target_of(s)];
      for (std::size_t j = 0; j < size; ++j) {
        weights[s * groups + list[first + j]] =
            scores[static_cast<std::int64_t>(j) * classes + target_of(s)] - reference;
      }
    });
    lumen::Attribution result =
        lumen::cam_attribution(request, layer, maps, weights, request.params.boolean("relu"));
    result.notes.push_back("groups: " + std::to_string(groups) +
                           (groups < request.params.integer("groups") ? " (clamped to the layer's "
                                                                        "channels)"
                                                                      : ""));
    return result;
  }
};

void fill(lumen::Registrar& registrar) { registrar.add_explainer(std::make_shared<GroupCam>()); }

}  // namespace

LUMEN_PLUGIN("group-cam", "0.1.0", fill)
