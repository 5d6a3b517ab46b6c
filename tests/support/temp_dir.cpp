#include "temp_dir.hpp"

#include <cerrno>
#include <cstdlib>
#include <string>
#include <system_error>

namespace lumen::testing {

TempDir::TempDir() {
  // mkdtemp creates a new directory (mode 0700) atomically, so a name another process made first,
  // or a link planted there, is never taken over.
  std::string pattern = (std::filesystem::temp_directory_path() / "lumen-test-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
  }
  path = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;  // a destructor must not throw; a leftover directory is harmless
  std::filesystem::remove_all(path, ignored);
}

}  // namespace lumen::testing
