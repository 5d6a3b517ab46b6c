#pragma once
#include <filesystem>
#include <lumen/output_dir.hpp>
#include <lumen/tensor.hpp>
#include <string>
#include <vector>

namespace lumen::cli {

/// Weight of the colour map over the grey input in heatmap PNGs.
constexpr float heatmap_alpha = 0.6F;

/// `--channels`: how heatmaps show an attribution's channels: "auto" (the maximum for unsigned
/// maps, the sum for signed ones), "max", "sum", or "none" (one heatmap per channel).
inline const std::vector<std::string> channel_modes{"auto", "max", "sum", "none"};

/// The names write_heatmaps gives the heatmaps of a map of shape `map_shape` ([N,C,H,W]), in the
/// order it writes them: `name` itself for a batch of one, else `name` with "_<i>" before the
/// extension; with channels "none" one per sample and channel, the stem getting "_c<k>".
std::vector<std::string> heatmap_names(const std::string& name, const Shape& map_shape,
                                       const std::string& channels = "auto");

/// Writes into `dir` the heatmap PNGs of `map` ([N,C,H,W]) over `background` ([N,C',H,W]), one per
/// sample, or with channels "none" one per sample and channel, named by heatmap_names; returns
/// the files written.
std::vector<std::filesystem::path> write_heatmaps(const OutputDir& dir, const std::string& name,
                                                  const Tensor& map, bool signed_map,
                                                  const Tensor& background,
                                                  const std::string& channels = "auto");

}  // namespace lumen::cli
