#include "temp_dir.hpp"

#include <random>

namespace lumen::testing {

TempDir::TempDir() {
  std::random_device entropy;
  path = std::filesystem::temp_directory_path() / ("lumen-test-" + std::to_string(entropy()));
  std::filesystem::create_directories(path);
}

TempDir::~TempDir() {
  std::error_code ignored;  // a destructor must not throw; a leftover directory is harmless
  std::filesystem::remove_all(path, ignored);
}

}  // namespace lumen::testing
