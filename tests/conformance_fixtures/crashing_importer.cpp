// Breaks "malformed files never crash": it refuses missing and empty files properly, then crashes
// with SIGSEGV on any content, as a parser trusting an offset read from the file would. The signal
// is raised, not provoked by a null pointer, so that it stays the same crash in a build with
// UndefinedBehaviorSanitizer, which would stop the program at the null pointer first.
#include <csignal>
#include <filesystem>
#include <lumen/error.hpp>
#include <lumen/importer.hpp>
#include <lumen/plugin.hpp>

namespace {

class CrashingImporter final : public lumen::Importer {
 public:
  lumen::ImporterInfo info() const override {
    return {"fixture-crashing-importer", "conformance-suite fixture", {".crashmodel"}};
  }

 protected:
  lumen::Model read(const std::filesystem::path& file,
                    const lumen::ImportOptions& /*options*/) const override {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) {
      throw lumen::IoError(file.string() + ": no such file");
    }
    if (std::filesystem::file_size(file, ec) == 0)
      throw lumen::ModelError(file.string() + ": empty");
    std::raise(SIGSEGV);
    throw lumen::ModelError(file.string() + ": unreachable");
  }
};

void fill(lumen::Registrar& r) { r.add_importer(std::make_shared<CrashingImporter>()); }

}  // namespace

LUMEN_PLUGIN("fixture-crashing-importer", "1.0", fill)
