#pragma once
/// Rewriting the metadata of an existing ONNX model (what `lumen annotate` writes).
#include <map>
#include <string>

namespace lumen::onnx_writer {

/// `model_bytes`, an ONNX model, with each entry of `metadata` set in its metadata_props (an
/// existing key replaced, a new one appended), serialised again; the graph is untouched. Throws
/// ModelError naming `source` when the bytes do not parse as an ONNX model.
std::string with_metadata(const std::string& model_bytes,
                          const std::map<std::string, std::string>& metadata,
                          const std::string& source);

}  // namespace lumen::onnx_writer
