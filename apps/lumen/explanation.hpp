#pragma once
#include <cstdint>
#include <filesystem>
#include <lumen/explainer.hpp>
#include <lumen/tensor.hpp>
#include <optional>
#include <span>
#include <vector>

namespace lumen::cli {

/// Runs `explainer` on the batch inside the context's arena (so --threads applies).
Attribution run_explainer(const Explainer& explainer, const Model& model, const Tensor& input,
                          std::span<const std::int64_t> targets, const Params& params,
                          std::optional<NodeId> layer, Context& context);

/// Weight of the colour map over the grey input in heatmap PNGs.
constexpr float heatmap_alpha = 0.6F;

/// OUT itself for a batch of one, else OUT with "_<i>" before the extension.
std::filesystem::path sample_file(const std::filesystem::path& out, std::int64_t i, std::int64_t n);

/// Writes one heatmap PNG per sample of `map` ([N,C,H,W]) over `background` ([N,C',H,W]);
/// returns the files written.
std::vector<std::filesystem::path> write_heatmaps(const std::filesystem::path& out,
                                                  const Tensor& map, bool signed_map,
                                                  const Tensor& background);

}  // namespace lumen::cli
