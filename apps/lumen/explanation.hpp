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

/// `--channels`: how heatmaps show an attribution's channels: "auto" (the maximum for unsigned
/// maps, the sum for signed ones), "max", "sum", or "none" (one heatmap per channel).
inline const std::vector<std::string> channel_modes{"auto", "max", "sum", "none"};

/// Writes one heatmap PNG per sample of `map` ([N,C,H,W]) over `background` ([N,C',H,W]), or
/// with channels "none" one per sample and channel (OUT's stem gets "_c<k>"); returns the files.
std::vector<std::filesystem::path> write_heatmaps(const std::filesystem::path& out,
                                                  const Tensor& map, bool signed_map,
                                                  const Tensor& background,
                                                  const std::string& channels = "auto");

}  // namespace lumen::cli
