// RISE (Petsiuk, Das, Saenko, BMVC 2018): probe the model with the input under N random masks
// M_i and weigh each mask by the target's probability, S = sum_i P_c(x * M_i) M_i / (N p).
// Masked pixels become 0 in the model's input space (the dataset mean when the model normalises).
#include <algorithm>
#include <atomic>
#include <lumen/error.hpp>
#include <lumen/explainer.hpp>
#include <lumen/explainer_info.hpp>
#include <lumen/model.hpp>
#include <lumen/plugin.hpp>
#include <lumen/trace.hpp>
#include <string>
#include <vector>

#include "masks.hpp"

namespace {

constexpr std::int64_t max_groups = 64;

// Adds P_c(x * M_i) M_i for masks first .. first + count - 1 to sums ([N,H,W]), probing each
// sample with all the masks in one forward pass.
void add_batch(const lumen::ExplainRequest& request, lumen::Context& context,
               const rise::MaskSpec& spec, std::int64_t first, std::int64_t count,
               std::vector<double>& sums) {
  const lumen::Tensor& input = request.input;
  const std::int64_t channels = input.dim(1), plane = spec.height * spec.width;
  const lumen::Tensor mask = rise::make_masks(context, spec, first, count);
  lumen::Tensor probe({count, channels, spec.height, spec.width});
  for (std::int64_t s = 0; s < input.dim(0); ++s) {
    const float* x = input.data() + s * channels * plane;
    for (std::int64_t i = 0; i < count; ++i) {
      for (std::int64_t c = 0; c < channels; ++c) {
        float* to = probe.data() + (i * channels + c) * plane;
        for (std::int64_t p = 0; p < plane; ++p) to[p] = x[c * plane + p] * mask[i * plane + p];
      }
    }
    const lumen::Tensor probabilities =
        lumen::softmax_rows(lumen::predict_logits(request.model, probe, context));
    const std::int64_t classes = probabilities.dim(1);
    double* out = sums.data() + s * plane;
    for (std::int64_t i = 0; i < count; ++i) {
      const double weight = probabilities[i * classes + request.targets[s]];
      for (std::int64_t p = 0; p < plane; ++p) out[p] += weight * mask[i * plane + p];
    }
  }
}

class Rise final : public lumen::Explainer {
 public:
  lumen::ExplainerInfo info() const override {
    lumen::ExplainerInfo i = lumen::perturbation_info(
        "rise", "random masks weighted by the target's probability on the masked input",
        "V. Petsiuk, A. Das, K. Saenko. RISE: Randomized Input Sampling for Explanation of "
        "Black-box Models. BMVC, 2018.",
        {
            lumen::param::integer("masks", 500,
                                  "number of random masks N (the paper: 4000 on ImageNet)")
                .within(1, 1e6),
            lumen::param::integer("cells", 8, "grid size s: each mask has s x s cells")
                .within(1, 1024),
            lumen::param::real("probability", 0.5, "probability p that a cell is kept")
                .within(0.01, 1),
            lumen::param::integer(
                "batch_size", 32,
                "masked inputs per forward pass (changes speed and memory, not the result)")
                .within(1, 4096),
        });
    i.signed_output = false;
    i.stochastic = true;
    return i;
  }

 protected:
  lumen::Attribution compute(const lumen::ExplainRequest& request,
                             lumen::Context& context) const override {
    const lumen::Tensor& input = request.input;
    const std::int64_t n = input.dim(0), channels = input.dim(1);
    const rise::MaskSpec spec{request.params.integer("cells"), request.params.real("probability"),
                              input.dim(2), input.dim(3)};
    const std::int64_t plane = spec.height * spec.width;
    const std::int64_t masks = request.params.integer("masks");
    const std::int64_t batch = request.params.integer("batch_size");
    const std::int64_t batches = (masks + batch - 1) / batch;

    // The batches are split into at most max_groups groups of consecutive batches (a fixed
    // split, whatever the thread count); partial[g] is the sum over the masks of group g of
    // P_c(x * M_i) M_i, per sample, and the partial sums are added in group order. Every sample
    // is probed with the same masks. So the result depends neither on the thread count nor on
    // the rest of the batch, and memory stays bounded however many masks there are.
    const std::int64_t groups = std::min(batches, max_groups);
    std::vector<std::vector<double>> partial(static_cast<std::size_t>(groups));
    std::atomic<std::int64_t> done{0};
    context.parallel_for(groups, [&](std::int64_t g) {
      std::vector<double> sums(static_cast<std::size_t>(n * plane), 0.0);
      for (std::int64_t b = g * batches / groups; b < (g + 1) * batches / groups; ++b) {
        context.check_cancelled();
        const std::int64_t first = b * batch;
        const std::int64_t count = std::min(batch, masks - first);
        add_batch(request, context, spec, first, count, sums);
        context.report_progress(static_cast<double>(++done) / static_cast<double>(batches));
      }
      partial[static_cast<std::size_t>(g)] = std::move(sums);
    });

    // One map per sample, the same in every channel (the input's shape, as input-space maps are).
    lumen::Tensor map(input.shape());
    const double scale = 1.0 / (static_cast<double>(masks) * spec.probability);
    for (std::int64_t s = 0; s < n; ++s) {
      for (std::int64_t p = 0; p < plane; ++p) {
        double total = 0.0;
        for (const auto& sums : partial) total += sums[static_cast<std::size_t>(s * plane + p)];
        const auto value = static_cast<float>(total * scale);
        for (std::int64_t c = 0; c < channels; ++c) map[(s * channels + c) * plane + p] = value;
      }
    }
    lumen::Attribution result;
    result.map = std::move(map);
    result.signed_map = false;
    result.notes.push_back("masks: " + std::to_string(masks) + " of " + std::to_string(spec.cells) +
                           "x" + std::to_string(spec.cells) +
                           " cells, p = " + request.params.text("probability"));
    return result;
  }
};

void fill(lumen::Registrar& registrar) { registrar.add_explainer(std::make_shared<Rise>()); }

}  // namespace

LUMEN_PLUGIN("rise", "0.1.0", fill)
