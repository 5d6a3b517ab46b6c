#pragma once
#include "lumen/importer.hpp"

namespace lumen::onnx_import {

/// Reads ONNX classifiers (default domain, opsets 9 to 17) into lumen models; see
/// docs/importers/onnx.md. Stateless and thread-safe.
class OnnxImporter final : public Importer {
 public:
  ImporterInfo info() const override;
  Model load(const std::filesystem::path& file) const override;
};

}  // namespace lumen::onnx_import
