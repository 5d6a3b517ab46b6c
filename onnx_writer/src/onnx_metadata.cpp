#include "lumen/onnx_metadata.hpp"

#include <onnx/onnx_pb.h>

#include "lumen/error.hpp"

namespace lumen::onnx_writer {

std::string with_metadata(const std::string& model_bytes,
                          const std::map<std::string, std::string>& metadata,
                          const std::string& source) {
  onnx::ModelProto model;
  if (!model.ParseFromString(model_bytes)) {
    throw ModelError("'" + source + "' is not an ONNX model (its protobuf does not parse)");
  }
  for (const auto& [key, value] : metadata) {
    onnx::StringStringEntryProto* entry = nullptr;
    for (auto& existing : *model.mutable_metadata_props()) {
      if (existing.key() == key) entry = &existing;
    }
    if (entry == nullptr) {
      entry = model.add_metadata_props();
      entry->set_key(key);
    }
    entry->set_value(value);
  }
  std::string bytes;
  if (!model.SerializeToString(&bytes)) {
    throw ModelError("'" + source + "' could not be serialised again with its new metadata");
  }
  return bytes;
}

}  // namespace lumen::onnx_writer
