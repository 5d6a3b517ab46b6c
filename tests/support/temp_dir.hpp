#pragma once
// A fresh directory for one test, removed with everything in it when the test ends.
#include <filesystem>
#include <string>

namespace lumen::testing {

class TempDir {
 public:
  /// Creates <system temp>/lumen-test-<random number>.
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  /// The path of `name` inside the directory, as a string (for command lines and specs).
  std::string operator/(const std::string& name) const { return (path / name).string(); }

  std::filesystem::path path;
};

}  // namespace lumen::testing
