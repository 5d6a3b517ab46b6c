#include <unistd.h>

#include <cerrno>
#include <utility>

#include "io/descriptor.hpp"
#include "io/quoted.hpp"
#include "lumen/error.hpp"
#include "lumen/output_dir.hpp"

namespace lumen {

using io_detail::quoted;
using io_detail::reason;

AppendFile::AppendFile(std::filesystem::path path, int fd) : path_(std::move(path)), fd_(fd) {}

AppendFile::AppendFile(AppendFile&& other) noexcept
    : path_(std::move(other.path_)), fd_(std::exchange(other.fd_, -1)) {}

AppendFile& AppendFile::operator=(AppendFile&& other) noexcept {
  if (this != &other) {
    io_detail::close_quietly(fd_);
    path_ = std::move(other.path_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

AppendFile::~AppendFile() { io_detail::close_quietly(fd_); }

std::string AppendFile::read() const {
  std::string text;
  char buffer[1 << 16];
  for (off_t offset = 0;;) {
    const ssize_t got = ::pread(fd_, buffer, sizeof buffer, offset);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) throw IoError("cannot read " + quoted(path_) + ": " + reason(errno));
    if (got == 0) return text;
    text.append(buffer, static_cast<std::size_t>(got));
    offset += got;
  }
}

void AppendFile::truncate(std::uint64_t size) {
  if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) {
    throw IoError("cannot truncate " + quoted(path_) + ": " + reason(errno));
  }
}

void AppendFile::append(std::string_view bytes) { io_detail::write_all(fd_, bytes, path_); }

}  // namespace lumen
