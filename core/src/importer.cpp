#include "lumen/importer.hpp"

#include <algorithm>

#include "lumen/error.hpp"

namespace lumen {

void check_import_shape(const Shape& shape, const std::string& what) {
  const bool positive = std::all_of(shape.begin(), shape.end(), [](auto d) { return d > 0; });
  if (shape.empty() || ((shape.size() == 2 || shape.size() == 3) && positive)) return;
  throw InvalidArgument(what + " " + to_string(shape) +
                        " must be C,H,W or H,W with positive sizes");
}

Model Importer::load(const std::filesystem::path& file, const ImportOptions& options) const {
  check_import_shape(options.input_shape, "input shape");
  check_import_shape(options.fallback_shape, "fallback input shape");
  Model model = read(file, options);
  const Shape& sample = model.input_spec().sample_shape;
  const Shape& asked = options.input_shape;
  if (!asked.empty() && (sample.size() < asked.size() ||
                         !std::equal(asked.rbegin(), asked.rend(), sample.rbegin()))) {
    // The importer built the model's own size: a model of fixed size.
    throw ModelError(file.string() + ": the model's input has the fixed shape " +
                     to_string(sample) + " (C, H, W); the requested input shape " +
                     to_string(asked) + " differs");
  }
  return model;
}

}  // namespace lumen
