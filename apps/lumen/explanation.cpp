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
                                                  const Tensor& background) {
  std::vector<std::filesystem::path> files;
  const std::int64_t n = map.dim(0);
  for (std::int64_t i = 0; i < n; ++i) {
    const Tensor display = display_map(sample_of(map, i), signed_map);
    const Tensor under = sample_of(background, i);
    files.push_back(sample_file(out, i, n));
    write_heatmap_png(files.back(), display, signed_map, &under, heatmap_alpha);
  }
  return files;
}

}  // namespace lumen::cli
