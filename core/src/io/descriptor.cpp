#include "io/descriptor.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "io/quoted.hpp"
#include "lumen/error.hpp"

namespace lumen::io_detail {

void write_all(int fd, std::string_view bytes, const std::filesystem::path& path) {
  while (!bytes.empty()) {
    const ssize_t written = ::write(fd, bytes.data(), bytes.size());
    if (written < 0 && errno == EINTR) continue;
    if (written < 0) throw IoError("cannot write " + quoted(path) + ": " + reason(errno));
    bytes.remove_prefix(static_cast<std::size_t>(written));
  }
}

void close_quietly(int fd) noexcept {
  if (fd >= 0) ::close(fd);
}

std::string reason(int errno_value) { return std::strerror(errno_value); }

}  // namespace lumen::io_detail
