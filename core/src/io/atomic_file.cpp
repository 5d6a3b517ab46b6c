#include "io/atomic_file.hpp"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <system_error>

#include "lumen/error.hpp"
#include "lumen/io.hpp"

namespace lumen::io_detail {
namespace {

std::filesystem::path temporary_beside(const std::filesystem::path& path) {
  static std::atomic<unsigned long> counter{0};
  // Built by appending: GCC 12 warns falsely (-Wrestrict) on "literal" + std::string&&.
  std::string name(".");
  name += path.filename().string();
  name += ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  return path.parent_path() / name;
}

}  // namespace

std::string quoted(const std::filesystem::path& path) {
  std::string q("'");
  q += path.string();
  q += '\'';
  return q;
}

void write_file_atomically(const std::filesystem::path& path, std::span<const char> bytes) {
  if (path.filename().empty()) throw IoError("cannot write " + quoted(path) + ": not a file name");
  const auto dir = path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    throw IoError("cannot write " + quoted(path) + ": directory " + quoted(dir) +
                  " does not exist");
  }
  const auto temp = temporary_beside(path);
  auto fail = [&](const std::string& why) {
    std::filesystem::remove(temp, ec);
    throw IoError("cannot write " + quoted(path) + ": " + why);
  };
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) fail(std::strerror(errno));
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) fail(std::string("write failed: ") + std::strerror(errno));
  }
  std::filesystem::rename(temp, path, ec);
  if (ec) fail(ec.message());
}

}  // namespace lumen::io_detail

namespace lumen {

void write_text_file(const std::filesystem::path& path, std::string_view text) {
  io_detail::write_file_atomically(path, text);
}

}  // namespace lumen
