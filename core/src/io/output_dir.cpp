#include "lumen/output_dir.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <random>
#include <utility>

#include "io/descriptor.hpp"
#include "io/quoted.hpp"
#include "lumen/error.hpp"
#include "lumen/io.hpp"

// Note [writes stay inside the output directory]
// The directory the user names is opened once, following links, and everything below it is reached
// through that descriptor with the *at() calls and O_NOFOLLOW, never by a path again:
// - a subdirectory is opened with O_DIRECTORY | O_NOFOLLOW, so a link there is refused, and
//   swapping one in later changes nothing (we hold the real directory open);
// - a file is written to a new temporary file, created with O_CREAT | O_EXCL | O_NOFOLLOW under a
//   random name (a link or file planted at that name makes the creation fail, and another name is
//   tried), then renamed over its name; rename replaces a link rather than following it, and a
//   link at the name is refused up front anyway, as is a directory;
// - an appended file (the evaluate journal) is opened with O_NOFOLLOW, so a link there, dangling
//   or not, is refused before anything is created or truncated, and truncation goes through the
//   descriptor opened that way.
// Like the writes before them, files are not fsync'ed: a rename makes them whole, not durable.

namespace lumen {
namespace {

using io_detail::quoted;
using io_detail::reason;
namespace fs = std::filesystem;

constexpr int temporary_attempts = 100;

void require_plain_name(const fs::path& dir, const std::string& name) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos) {
    throw IoError("cannot write " + quoted(dir / name) + ": '" + name +
                  "' is not a plain file name");
  }
}

// What is at `name` in `dir_fd` without following a link; S_IFMT bits, or 0 when nothing is.
mode_t kind_of(int dir_fd, const std::string& name) {
  struct stat s {};
  return ::fstatat(dir_fd, name.c_str(), &s, AT_SYMLINK_NOFOLLOW) == 0 ? (s.st_mode & S_IFMT) : 0;
}

std::string link_refusal(const fs::path& path) {
  return "cannot write " + quoted(path) +
         ": it is a symbolic link, and lumen never writes through a link inside its output "
         "directory; remove it or choose another output";
}

std::string temporary_name(const std::string& name) {
  thread_local std::mt19937_64 random{[] {
    std::random_device entropy;
    return (static_cast<std::uint64_t>(entropy()) << 32U) ^ entropy();
  }()};
  char suffix[17];
  std::snprintf(suffix, sizeof suffix, "%016llx", static_cast<unsigned long long>(random()));
  std::string temporary(".");
  temporary += name;
  temporary += ".tmp-";
  temporary += suffix;
  return temporary;
}

}  // namespace

OutputDir::OutputDir(fs::path path, int fd) : path_(std::move(path)), fd_(fd) {}

OutputDir::OutputDir(OutputDir&& other) noexcept
    : path_(std::move(other.path_)), fd_(std::exchange(other.fd_, -1)) {}

OutputDir& OutputDir::operator=(OutputDir&& other) noexcept {
  if (this != &other) {
    io_detail::close_quietly(fd_);
    path_ = std::move(other.path_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

OutputDir::~OutputDir() { io_detail::close_quietly(fd_); }

OutputDir OutputDir::open(const fs::path& path) {
  const fs::path where = path.empty() ? fs::path(".") : path;
  const int fd = ::open(where.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    throw IoError("cannot write into the directory " + quoted(where) + ": " +
                  (errno == ENOENT ? std::string("it does not exist") : reason(errno)));
  }
  return {path, fd};
}

OutputDir OutputDir::create(const fs::path& path) {
  std::error_code ec;
  if (!path.empty()) fs::create_directories(path, ec);
  if (ec) {
    // The wording of std::filesystem's own message, which users have seen so far.
    throw IoError("cannot create directories: " + ec.message() + " [" + path.string() + "]");
  }
  return open(path);
}

OutputDir OutputDir::subdirectory(const std::string& name) const {
  require_plain_name(path_, name);
  const fs::path path = path_ / name;
  if (::mkdirat(fd_, name.c_str(), 0777) != 0 && errno != EEXIST) {
    throw IoError("cannot create the directory " + quoted(path) + ": " + reason(errno));
  }
  const int fd = ::openat(fd_, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    const int error = errno;
    const mode_t kind = kind_of(fd_, name);
    if (kind == S_IFLNK) throw IoError(link_refusal(path));
    throw IoError(
        "cannot write into " + quoted(path) + ": " +
        (kind != 0 && kind != S_IFDIR ? std::string("it is not a directory") : reason(error)));
  }
  return {path, fd};
}

void OutputDir::write_file(const std::string& name, std::string_view bytes) const {
  require_plain_name(path_, name);
  const fs::path path = path_ / name;
  const mode_t kind = kind_of(fd_, name);
  if (kind == S_IFLNK) throw IoError(link_refusal(path));
  if (kind == S_IFDIR) throw IoError("cannot write " + quoted(path) + ": it is a directory");

  std::string temporary;
  int fd = -1;
  for (int attempt = 0; fd < 0 && attempt < temporary_attempts; ++attempt) {
    temporary = temporary_name(name);
    fd = ::openat(fd_, temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                  0644);
    if (fd < 0 && errno != EEXIST) {
      throw IoError("cannot write " + quoted(path) + ": " + reason(errno));
    }
  }
  if (fd < 0) {
    throw IoError("cannot write " + quoted(path) + ": no free temporary name beside it");
  }
  auto discard = [&] { ::unlinkat(fd_, temporary.c_str(), 0); };
  try {
    io_detail::write_all(fd, bytes, path);
  } catch (const IoError&) {
    io_detail::close_quietly(fd);
    discard();
    throw;
  }
  if (::close(fd) != 0) {
    const int error = errno;
    discard();
    throw IoError("cannot write " + quoted(path) + ": " + reason(error));
  }
  if (::renameat(fd_, temporary.c_str(), fd_, name.c_str()) != 0) {
    const int error = errno;
    discard();
    throw IoError("cannot write " + quoted(path) + ": " + reason(error));
  }
}

AppendFile OutputDir::open_append(const std::string& name) const {
  require_plain_name(path_, name);
  const fs::path path = path_ / name;
  const mode_t kind = kind_of(fd_, name);
  if (kind == S_IFLNK) throw IoError(link_refusal(path));
  // Opening a FIFO or a device could block or act on it: refused before opening.
  if (kind != 0 && kind != S_IFREG) {
    throw IoError("cannot open " + quoted(path) + ": it is not a regular file");
  }
  const int fd =
      ::openat(fd_, name.c_str(), O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) {
    const int error = errno;
    if (kind_of(fd_, name) == S_IFLNK) throw IoError(link_refusal(path));
    throw IoError("cannot open " + quoted(path) + ": " + reason(error));
  }
  struct stat s {};
  if (::fstat(fd, &s) != 0 || !S_ISREG(s.st_mode)) {
    io_detail::close_quietly(fd);
    throw IoError("cannot open " + quoted(path) + ": it is not a regular file");
  }
  return {path, fd};
}

bool OutputDir::remove(const std::string& name) const {
  require_plain_name(path_, name);
  if (::unlinkat(fd_, name.c_str(), 0) == 0) return true;
  if (errno == ENOENT) return false;
  throw IoError("cannot remove " + quoted(path_ / name) + ": " + reason(errno));
}

void write_file(const fs::path& file, std::string_view bytes) {
  if (file.filename().empty()) throw IoError("cannot write " + quoted(file) + ": not a file name");
  const fs::path dir = file.parent_path();
  std::error_code ec;
  if (!fs::is_directory(dir.empty() ? fs::path(".") : dir, ec)) {
    throw IoError("cannot write " + quoted(file) + ": directory " + quoted(dir) +
                  " does not exist");
  }
  OutputDir::open(dir).write_file(file.filename().string(), bytes);
}

void write_text_file(const fs::path& path, std::string_view text) { write_file(path, text); }

}  // namespace lumen
