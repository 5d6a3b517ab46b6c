#pragma once
/// Where lumen writes, and how, so that no write leaves the output directory through a symbolic
/// link (Note [writes stay inside the output directory] in core/src/io/output_dir.cpp). The
/// directory the user names is reached as given, links included (that choice is theirs); inside
/// it, every directory lumen makes or enters and every file it writes must be real, never a
/// symbolic link, and each is refused with IoError naming its path otherwise.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "lumen/export.hpp"

namespace lumen {

/// A file opened for reading and appending (a journal), never through a symbolic link: a link at
/// its name is refused, whether it points somewhere or nowhere. Move-only; closes the file when
/// destroyed. Not thread-safe.
class LUMEN_API AppendFile {
 public:
  AppendFile(AppendFile&& other) noexcept;
  AppendFile& operator=(AppendFile&& other) noexcept;
  AppendFile(const AppendFile&) = delete;
  AppendFile& operator=(const AppendFile&) = delete;
  ~AppendFile();

  /// The whole content.
  std::string read() const;
  /// Cuts the file to its first `size` bytes.
  void truncate(std::uint64_t size);
  /// Appends `bytes` at the end, all of them or an IoError.
  void append(std::string_view bytes);
  const std::filesystem::path& path() const { return path_; }

 private:
  friend class OutputDir;
  AppendFile(std::filesystem::path path, int fd);
  std::filesystem::path path_;
  int fd_ = -1;
};

/// A directory lumen writes into, held open so that everything written through it stays inside
/// it. Names given to its functions are plain file names (no '/', not "." or ".."). Move-only;
/// every function is thread-safe.
class LUMEN_API OutputDir {
 public:
  /// Opens the existing directory `path` (the working directory when empty), following links.
  static OutputDir open(const std::filesystem::path& path);
  /// Creates `path` and its missing parents (following links), then opens it.
  static OutputDir create(const std::filesystem::path& path);

  OutputDir(OutputDir&& other) noexcept;
  OutputDir& operator=(OutputDir&& other) noexcept;
  OutputDir(const OutputDir&) = delete;
  OutputDir& operator=(const OutputDir&) = delete;
  ~OutputDir();

  /// The directory `name` inside this one, created when missing; refused when it is a symbolic
  /// link or not a directory.
  OutputDir subdirectory(const std::string& name) const;
  /// Writes `bytes` to `name`: into a new file of an unpredictable name beside it (created
  /// exclusively, mode 0644 less the umask), then renamed over `name`, so a failed write leaves
  /// no half-written file. Refused when `name` is a symbolic link or a directory.
  void write_file(const std::string& name, std::string_view bytes) const;
  /// Opens `name` for reading and appending, creating it (mode 0644 less the umask) when missing.
  /// Refused when it is a symbolic link or not a regular file.
  AppendFile open_append(const std::string& name) const;
  /// Removes the file `name` (a symbolic link itself, never what it points to); false when there
  /// was none.
  bool remove(const std::string& name) const;

  /// The directory as given, for messages.
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  OutputDir(std::filesystem::path path, int fd);
  std::filesystem::path path_;
  int fd_ = -1;
};

/// Writes `bytes` to `file` as OutputDir::write_file does, in the existing directory holding it.
LUMEN_API void write_file(const std::filesystem::path& file, std::string_view bytes);

/// Refuses, before anything is written, an output that is one of the inputs: the same path, or,
/// when both exist, the same file or directory (std::filesystem::equivalent, so links and other
/// spellings count). Throws InvalidArgument naming both paths.
LUMEN_API void refuse_input_as_output(const std::filesystem::path& output,
                                      const std::vector<std::filesystem::path>& inputs);

}  // namespace lumen
