// Breaks "malformed files are refused with a lumen::Error": it throws std::runtime_error.
#include <lumen/importer.hpp>
#include <lumen/plugin.hpp>
#include <stdexcept>

namespace {

class BadImporter final : public lumen::Importer {
 public:
  lumen::ImporterInfo info() const override {
    return {"fixture-bad-importer", "conformance-suite fixture", {".badmodel"}};
  }

 protected:
  lumen::Model read(const std::filesystem::path& file,
                    const lumen::ImportOptions& /*options*/) const override {
    throw std::runtime_error("cannot parse " + file.string());
  }
};

void fill(lumen::Registrar& r) { r.add_importer(std::make_shared<BadImporter>()); }

}  // namespace

LUMEN_PLUGIN("fixture-bad-importer", "1.0", fill)
