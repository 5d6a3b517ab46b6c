// Fuzzes the ONNX importer on the bytes of a model file: any bytes give a model or lumen's
// refusal (not the ONNX library's or the standard library's exceptions).
#include <lumen/error.hpp>
#include <string_view>

#include "onnx_importer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    (void)lumen::onnx_import::import_onnx({reinterpret_cast<const char*>(data), size});
  } catch (const lumen::Error&) {
    // the documented refusal of bad bytes
  }
  return 0;
}
