#include "memory_file.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <string>
#include <system_error>

namespace lumen::fuzz {

namespace {

[[noreturn]] void fail(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

}  // namespace

MemoryFile::MemoryFile() : fd_(::memfd_create("lumen-fuzz-input", MFD_CLOEXEC)) {
  if (fd_ < 0) fail("memfd_create");
  path_ = "/proc/self/fd/" + std::to_string(fd_);
}

MemoryFile::~MemoryFile() { ::close(fd_); }

void MemoryFile::write(const std::uint8_t* data, std::size_t size) {
  if (::ftruncate(fd_, 0) != 0) fail("ftruncate");
  std::size_t done = 0;
  while (done < size) {
    const auto n = ::pwrite(fd_, data + done, size - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("pwrite");
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace lumen::fuzz
