#pragma once
#include <cstdint>
#include <filesystem>
#include <string>

#include "temp_dir.hpp"

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
using lumen::testing::TempDir;

/// The bundled example's directory (model.onnx and the three images).
std::filesystem::path shapes_dir();
std::string shapes_model();
std::string shapes_image(const std::string& name);

std::string read_text(const std::filesystem::path& file);

/// Writes `file`: an ONNX model [N,C,H,W] -> Flatten -> Gemm (weights 0.5 / (C*H*W)) with
/// `classes` classes and no metadata (no GAP head, no spatial layer, no normalisation).
void write_flat_model(const std::filesystem::path& file, std::int64_t channels, std::int64_t size,
                      std::int64_t classes);

}  // namespace lumen::cli_test
