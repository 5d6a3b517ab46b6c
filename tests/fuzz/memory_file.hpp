#pragma once
// A file that lives in memory (memfd), for harnesses of functions that read a path.
#include <cstddef>
#include <cstdint>
#include <filesystem>

namespace lumen::fuzz {

class MemoryFile {
 public:
  MemoryFile();
  ~MemoryFile();
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;

  /// Replaces the content with `size` bytes from `data`.
  void write(const std::uint8_t* data, std::size_t size);
  /// A path that opens the file (/proc/self/fd/N).
  const std::filesystem::path& path() const { return path_; }

 private:
  int fd_;
  std::filesystem::path path_;
};

}  // namespace lumen::fuzz
