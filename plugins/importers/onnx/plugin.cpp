#include <memory>

#include "lumen/plugin.hpp"
#include "onnx_importer.hpp"

namespace {

void fill(lumen::Registrar& registrar) {
  registrar.add_importer(std::make_shared<lumen::onnx_import::OnnxImporter>());
}

}  // namespace

LUMEN_PLUGIN("onnx", "0.1.0", fill)
