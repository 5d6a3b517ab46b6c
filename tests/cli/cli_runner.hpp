#pragma once
#include <filesystem>
#include <string>

namespace lumen::cli_test {

/// What one run of the lumen binary did.
struct Run {
  int exit_code = -1;
  std::string out;  ///< stdout
  std::string err;  ///< stderr
};

/// Runs `lumen <args>` through the shell (args are pasted as given, so quote paths with spaces);
/// `env` is prepended as shell assignments, e.g. "LUMEN_EXAMPLES_DIR=/x".
Run run_lumen(const std::string& args, const std::string& env = {});

/// A fresh directory, removed with its content at the end of the test.
struct TempDir {
  std::filesystem::path path;
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string operator/(const std::string& name) const { return (path / name).string(); }
};

/// The bundled example's directory (model.onnx and the three images).
std::filesystem::path shapes_dir();
std::string shapes_model();
std::string shapes_image(const std::string& name);

std::string read_text(const std::filesystem::path& file);

}  // namespace lumen::cli_test
