#pragma once
#include <string_view>

#include "lumen/importer.hpp"

namespace lumen::onnx_import {

/// Reads ONNX classifiers (default domain, opsets 9 to 17) into lumen models; see
/// docs/importers/onnx.md. Stateless and thread-safe.
class OnnxImporter final : public Importer {
 public:
  ImporterInfo info() const override;

 protected:
  Model read(const std::filesystem::path& file, const ImportOptions& options) const override;
};

/// Imports the bytes of an ONNX file, as OnnxImporter::load does a file, built for the input shape
/// `options` asks for. Throws lumen errors (ModelError naming the node and op at fault); load()
/// adds the file's name to them.
Model import_onnx(std::string_view bytes, const ImportOptions& options = {});

}  // namespace lumen::onnx_import
