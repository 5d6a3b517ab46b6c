#include "explanation.hpp"

#include <algorithm>
#include <lumen/io.hpp>
#include <lumen/model.hpp>

namespace lumen::cli {
namespace {

// Sample i of an [N,...] tensor without its batch dimension.
Tensor sample_of(const Tensor& t, std::int64_t i) {
  Tensor s = t.batch_slice(i);
  return s.reshaped(Shape(t.shape().begin() + 1, t.shape().end()));
}

}  // namespace

Attribution run_explainer(const Explainer& explainer, const Model& model, const Tensor& input,
                          std::span<const std::int64_t> targets, const Params& params,
                          std::optional<NodeId> layer, Context& context) {
  Attribution attribution;
  const ExplainRequest request{model, input, targets, params, layer};
  context.run([&] { attribution = explainer.explain(request, context); });
  return attribution;
}

std::filesystem::path sample_file(const std::filesystem::path& out, std::int64_t i,
                                  std::int64_t n) {
  if (n == 1) return out;
  auto file = out;
  file.replace_filename(out.stem().string() + "_" + std::to_string(i) + out.extension().string());
  return file;
}

std::vector<std::filesystem::path> write_heatmaps(const std::filesystem::path& out,
                                                  const Tensor& map, bool signed_map,
                                                  const Tensor& background,
                                                  const std::string& channels) {
  const ChannelReduction reduction = channels == "max"   ? ChannelReduction::max
                                     : channels == "sum" ? ChannelReduction::sum
                                                         : ChannelReduction::automatic;
  std::vector<std::filesystem::path> files;
  const std::int64_t n = map.dim(0);
  for (std::int64_t i = 0; i < n; ++i) {
    const Tensor sample = sample_of(map, i);
    const Tensor under = sample_of(background, i);
    const auto file = sample_file(out, i, n);
    if (channels != "none") {
      files.push_back(file);
      write_heatmap_png(file, display_map(sample, signed_map, reduction), signed_map, &under,
                        heatmap_alpha);
      continue;
    }
    const std::int64_t plane = sample.dim(1) * sample.dim(2);
    for (std::int64_t c = 0; c < sample.dim(0); ++c) {
      const auto first = sample.values().begin() + c * plane;
      const Tensor channel({1, sample.dim(1), sample.dim(2)},
                           std::vector<float>(first, first + plane));
      auto channel_file = file;
      channel_file.replace_filename(file.stem().string() + "_c" + std::to_string(c) +
                                    file.extension().string());
      files.push_back(channel_file);
      write_heatmap_png(channel_file, display_map(channel, signed_map), signed_map, &under,
                        heatmap_alpha);
    }
  }
  return files;
}

}  // namespace lumen::cli
