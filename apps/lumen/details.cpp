#include "details.hpp"

#include <algorithm>
#include <lumen/io.hpp>

#include "explanation.hpp"

namespace lumen::cli {
namespace {

// values[first, first + count) laid out as `shape` (row-major), as nested JSON arrays.
nlohmann::json nested(const Tensor& t, std::int64_t first, std::span<const std::int64_t> shape) {
  if (shape.empty()) return t[first];
  nlohmann::json out = nlohmann::json::array();
  std::int64_t stride = 1;
  for (std::size_t d = 1; d < shape.size(); ++d) stride *= shape[d];
  for (std::int64_t i = 0; i < shape[0]; ++i)
    out.push_back(nested(t, first + i * stride, shape.subspan(1)));
  return out;
}

bool has_negative(const Tensor& t) {
  return std::any_of(t.values().begin(), t.values().end(), [](float v) { return v < 0.0F; });
}

}  // namespace

DetailRecords record_details(const Attribution& attribution, const Tensor& background,
                             const OutputDir* dump_dir) {
  const std::int64_t n = background.dim(0);
  DetailRecords records{
      nlohmann::json::array(),
      std::vector<nlohmann::json>(static_cast<std::size_t>(n), nlohmann::json::object()),
      {}};
  for (const AttributionDetail& d : attribution.details) {
    records.summary.push_back({{"name", d.name},
                               {"description", d.description},
                               {"shape", d.values.shape()},
                               {"images", d.images}});
    if (dump_dir) {
      dump_dir->write_file(d.name + ".npy", encode_npy(d.values));
      records.files.push_back(*dump_dir / (d.name + ".npy"));
    }
    const Shape& shape = d.values.shape();
    const std::span<const std::int64_t> per_sample(shape.data() + 1, shape.size() - 1);
    std::int64_t sample_size = 1;
    for (const auto extent : per_sample) sample_size *= extent;
    if (!d.images) {
      for (std::int64_t i = 0; i < n; ++i)
        records.per_sample[static_cast<std::size_t>(i)][d.name] =
            nested(d.values, i * sample_size, per_sample);
      continue;
    }
    if (!dump_dir) continue;
    const auto pngs = write_heatmaps(*dump_dir, d.name + ".png", d.values, has_negative(d.values),
                                     background, "none");
    const auto per_image = pngs.size() / static_cast<std::size_t>(n);
    for (std::size_t i = 0; i < static_cast<std::size_t>(n); ++i) {
      auto& files = records.per_sample[i][d.name] = nlohmann::json::array();
      for (std::size_t m = 0; m < per_image; ++m) files.push_back(pngs[i * per_image + m].string());
    }
    records.files.insert(records.files.end(), pngs.begin(), pngs.end());
  }
  return records;
}

}  // namespace lumen::cli
