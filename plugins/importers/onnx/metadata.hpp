#pragma once
#include <onnx/onnx_pb.h>

#include <string>
#include <vector>

namespace lumen::onnx_import {

/// What lumen reads from a model's metadata_props: "lumen.labels" (a JSON array of strings or a
/// comma-separated list), "lumen.mean" and "lumen.std" (comma-separated floats, one per channel),
/// "lumen.preprocess" ("stretch" or "imagenet"). Missing keys stay empty; a malformed value is a
/// ModelError naming the key.
struct Metadata {
  std::vector<std::string> labels;
  std::vector<float> mean;
  std::vector<float> std;
  std::string preprocess;
};

Metadata read_metadata(const onnx::ModelProto& model);

}  // namespace lumen::onnx_import
