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

/// What a caller asks of an import. A graph is built for one input size (shapes inside it are
/// computed at import), so a model whose input leaves its sample dims open (symbolic, as
/// torch.onnx.export's dynamic_axes writes them, or missing) needs the size from the caller.
struct ImportOptions {
  /// The sample shape [C, H, W], or [H, W], to build the graph for. Dims the model leaves open
  /// take these values; dims it fixes must have them, else the import fails naming both shapes.
  /// Empty: the model's own shape.
  Shape input_shape;
  /// When input_shape is empty, fills the dims the model leaves open ([C, H, W] or [H, W]): the
  /// size of the data at hand, e.g. an input image's. Dims the model fixes ignore it.
  Shape fallback_shape;
};

/// Throws InvalidArgument naming `what` unless `shape` is empty or 2 or 3 positive dims.
LUMEN_API void check_import_shape(const Shape& shape, const std::string& what);

/// Reads a model file into a Model. Errors are ModelError naming the file, the node and the op.
/// An implementation overrides read(); callers call load(). Implementations are thread-safe.
class LUMEN_API Importer {
 public:
  virtual ~Importer();
  virtual ImporterInfo info() const = 0;
  /// read(file, options), checked: the options' shapes are well formed (InvalidArgument), and the
  /// model's sample shape ends with options.input_shape when one is given (ModelError naming the
  /// file and both shapes otherwise), so an importer of fixed-size models may ignore the options.
  Model load(const std::filesystem::path& file, const ImportOptions& options = {}) const;

 protected:
  /// Reads `file`, building the graph for the input shape `options` asks for when the model's
  /// input leaves dims open.
  virtual Model read(const std::filesystem::path& file, const ImportOptions& options) const = 0;
};

}  // namespace lumen
