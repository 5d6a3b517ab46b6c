#pragma once
// What `lumen explain` does with an attribution's details (Attribution::details): their values
// per sample in the JSON record, and with --dump-details the image details as heatmap PNGs.
#include <filesystem>
#include <lumen/explainer.hpp>
#include <lumen/output_dir.hpp>
#include <nlohmann/json.hpp>
#include <vector>

namespace lumen::cli {

struct DetailRecords {
  nlohmann::json summary;                    ///< one entry per detail: name, description, shape
  std::vector<nlohmann::json> per_sample;    ///< per sample: {name: values, or its PNG files}
  std::vector<std::filesystem::path> files;  ///< everything written
};

/// Numeric details go into the records as nested arrays (a scalar per sample stays a scalar).
/// With `dump_dir` (may be null), every detail is also written as DIR/<name>.npy and each image of
/// an image detail as DIR/<name>[_<sample>]_c<m>.png over `background` ([N,C,H,W]); without it,
/// image details are summarised by their shape only.
DetailRecords record_details(const Attribution& attribution, const Tensor& background,
                             const OutputDir* dump_dir);

}  // namespace lumen::cli
