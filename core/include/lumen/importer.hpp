#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "lumen/export.hpp"
#include "lumen/model.hpp"

namespace lumen {

struct ImporterInfo {
  std::string name;  ///< e.g. "onnx"
  std::string summary;
  std::vector<std::string> extensions;  ///< lower case with the dot: ".onnx"
};

/// Reads a model file into a Model. Errors are ModelError naming the file, the node and the op.
class LUMEN_API Importer {
 public:
  virtual ~Importer();
  virtual ImporterInfo info() const = 0;
  virtual Model load(const std::filesystem::path& file) const = 0;
};

}  // namespace lumen
