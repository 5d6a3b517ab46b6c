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

std::vector<std::string> heatmap_names(const std::string& name, const Shape& map_shape,
                                       const std::string& channels) {
  const std::filesystem::path file(name);
  const std::string stem = file.stem().string(), extension = file.extension().string();
  const std::int64_t n = map_shape.at(0), per_sample = channels == "none" ? map_shape.at(1) : 1;
  std::vector<std::string> names;
  for (std::int64_t i = 0; i < n; ++i) {
    const std::string sample = n == 1 ? stem : stem + "_" + std::to_string(i);
    for (std::int64_t c = 0; c < per_sample; ++c) {
      names.push_back(channels == "none" ? sample + "_c" + std::to_string(c) + extension
                                         : sample + extension);
    }
  }
  return names;
}

std::vector<std::filesystem::path> write_heatmaps(const OutputDir& dir, const std::string& name,
                                                  const Tensor& map, bool signed_map,
                                                  const Tensor& background,
                                                  const std::string& channels) {
  const ChannelReduction reduction = channels == "max"   ? ChannelReduction::max
                                     : channels == "sum" ? ChannelReduction::sum
                                                         : ChannelReduction::automatic;
  const std::vector<std::string> names = heatmap_names(name, map.shape(), channels);
  std::vector<std::filesystem::path> files;
  auto write = [&](const Tensor& display, const Tensor& under) {
    const std::string& file = names.at(files.size());
    dir.write_file(file, encode_heatmap_png(display, signed_map, &under, heatmap_alpha));
    files.push_back(dir / file);
  };
  for (std::int64_t i = 0; i < map.dim(0); ++i) {
    const Tensor sample = sample_of(map, i);
    const Tensor under = sample_of(background, i);
    if (channels != "none") {
      write(display_map(sample, signed_map, reduction), under);
      continue;
    }
    const std::int64_t plane = sample.dim(1) * sample.dim(2);
    for (std::int64_t c = 0; c < sample.dim(0); ++c) {
      const auto first = sample.values().begin() + c * plane;
      const Tensor channel({1, sample.dim(1), sample.dim(2)},
                           std::vector<float>(first, first + plane));
      write(display_map(channel, signed_map), under);
    }
  }
  return files;
}

}  // namespace lumen::cli
