#include "lumen/plugin_loader.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/dll/runtime_symbol_info.hpp>
#include <boost/dll/shared_library.hpp>
#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <map>
#include <sstream>

#include "lumen/error.hpp"
#include "lumen/log.hpp"
#include "lumen/plugin.hpp"

namespace lumen {

namespace fs = std::filesystem;

namespace {

// Why `file` cannot be read as a plugin file, or nothing. Never throws: a loop of symbolic
// links or a dangling one is a refusal of that file, not of every plugin.
std::optional<std::string> file_problem(const fs::path& file) {
  std::error_code ec;
  const auto status = fs::status(file, ec);
  if (status.type() == fs::file_type::not_found) {
    std::error_code link_ec;
    return fs::is_symlink(fs::symlink_status(file, link_ec))
               ? "a dangling symbolic link (its target does not exist)"
               : "no such plugin file";
  }
  if (ec) return "cannot be read: " + ec.message();
  if (!fs::is_regular_file(status)) return "not a regular file";
  return std::nullopt;
}

std::error_code last_error() { return {errno, std::generic_category()}; }

struct FileDescriptor {
  int fd;
  ~FileDescriptor() {
    if (fd >= 0) ::close(fd);
  }
};

// The whole file: plugins are small, and the ELF checks need the program headers and the size.
std::vector<std::byte> read_bytes(const fs::path& file) {
  const auto fail = [&](const std::error_code& ec) {
    return PluginError(file.string() + ": cannot be read: " + ec.message());
  };
  // O_NONBLOCK: were it swapped for a FIFO since the check, opening must not wait for a writer.
  const FileDescriptor in{::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK)};
  if (in.fd < 0) throw fail(last_error());
  struct stat st {};
  if (::fstat(in.fd, &st) != 0) throw fail(last_error());
  if (!S_ISREG(st.st_mode)) throw PluginError(file.string() + ": not a regular file");
  std::vector<std::byte> bytes;
  std::byte buffer[65536];
  while (true) {
    const auto n = ::read(in.fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw fail(last_error());
    if (n == 0) return bytes;
    bytes.insert(bytes.end(), buffer, buffer + n);
  }
}

// The liblumen-*.so entries of `dir`, whatever their type: load_plugin refuses those it cannot
// read. A directory that cannot be listed, or only partly, is a failure naming it.
std::vector<fs::path> plugin_files(const fs::path& dir, std::vector<PluginFailure>& failures) {
  const auto fail = [&](const std::string& what) {
    failures.push_back({dir, dir.string() + ": " + what});
  };
  std::vector<fs::path> files;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {  // only LUMEN_PLUGIN_PATH's entries are not checked before
    const bool missing = !ec || ec == std::errc::no_such_file_or_directory;
    fail((missing ? "not a directory" : "cannot be read: " + ec.message()) +
         " (from LUMEN_PLUGIN_PATH)");
    return files;
  }
  fs::directory_iterator it(dir, ec);
  for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const auto name = it->path().filename().string();
    if (name.starts_with("liblumen-") && name.ends_with(".so")) files.push_back(it->path());
  }
  if (ec) fail("cannot be listed: " + ec.message());
  return files;
}

}  // namespace

void load_plugin(Registry& registry, const fs::path& file) {
  const std::string where = file.string();
  if (const auto problem = file_problem(file)) throw PluginError(where + ": " + *problem);
  if (const auto problem = shared_library_problem(read_bytes(file))) {
    throw PluginError(where + ": cannot be loaded: " + *problem);
  }
  auto library = std::make_shared<boost::dll::shared_library>();
  try {
    library->load(boost::dll::fs::path(file.string()), boost::dll::load_mode::default_mode);
  } catch (const std::exception& e) {
    throw PluginError(where + ": cannot be loaded: " + e.what());
  }
  if (!library->has("lumen_plugin_entry")) {
    throw PluginError(where + ": has no 'lumen_plugin_entry' symbol; it is not a lumen plugin");
  }
  const auto entry = library->get<const lumen_plugin_descriptor*()>("lumen_plugin_entry");
  const lumen_plugin_descriptor* d = entry();
  constexpr auto needed = offsetof(lumen_plugin_descriptor, register_items) + sizeof(void*);
  if (d == nullptr || d->size < needed) {
    throw PluginError(where + ": its plugin descriptor is missing or too short");
  }
  if (d->abi_version != LUMEN_ABI_VERSION) {
    throw PluginError(where + ": built against lumen plugin ABI version " +
                      std::to_string(d->abi_version) + ", but this lumen has ABI version " +
                      std::to_string(LUMEN_ABI_VERSION) + "; rebuild the plugin against this SDK");
  }
  const std::string toolchain = d->toolchain ? d->toolchain : "";
  if (toolchain != LUMEN_TOOLCHAIN_TAG) {
    throw PluginError(where + ": built with toolchain '" + toolchain +
                      "', but lumen was built with '" + LUMEN_TOOLCHAIN_TAG +
                      "'; C++ objects cannot cross between them");
  }
  if (d->name == nullptr || *d->name == '\0' || d->register_items == nullptr) {
    throw PluginError(where + ": its descriptor has no name or no register function");
  }
  constexpr auto with_api = offsetof(lumen_plugin_descriptor, api_version) + sizeof(std::uint32_t);
  const std::uint32_t api = d->size >= with_api ? d->api_version : 0;
  if (api > LUMEN_API_VERSION) {
    throw PluginError(where + ": built against lumen plugin API " +
                      std::to_string(LUMEN_ABI_VERSION) + "." + std::to_string(api) +
                      ", newer than this lumen's " + std::to_string(LUMEN_ABI_VERSION) + "." +
                      std::to_string(LUMEN_API_VERSION) +
                      ": it may use what this lumen lacks; use a lumen at least as new as its SDK");
  }
  PluginRecord record{d->name, d->version ? d->version : "", where, {}, api};
  const auto register_items = d->register_items;
  registry.register_plugin(std::move(record), library, [&](Registrar& registrar) {
    char error[1024] = {0};
    if (register_items(&registrar, error, sizeof error) != 0) throw PluginError(error);
  });
  logger().debug("loaded plugin {}", where);
}

std::vector<fs::path> plugin_search_path() {
  std::vector<fs::path> dirs;
  // Next to liblumen_core.so: ../plugins in the build tree, lumen/plugins when installed.
  const fs::path libdir = fs::path(boost::dll::this_line_location().string()).parent_path();
  for (const auto& candidate : {libdir / ".." / "plugins", libdir / "lumen" / "plugins"}) {
    std::error_code ec;
    if (fs::is_directory(candidate, ec)) dirs.push_back(fs::weakly_canonical(candidate, ec));
  }
  if (const char* env = std::getenv("LUMEN_PLUGIN_PATH"); env != nullptr) {
    std::stringstream in(env);
    std::string dir;
    while (std::getline(in, dir, ':')) {
      if (!dir.empty()) dirs.emplace_back(dir);  // an empty entry never means the working directory
    }
  }
  return dirs;
}

std::vector<PluginFailure> load_plugins(Registry& registry) {
  if (const char* env = std::getenv("LUMEN_ALLOW_OVERRIDE");
      env && *env && std::string(env) != "0") {
    registry.set_allow_override(true);
  }
  std::vector<PluginFailure> failures;
  std::map<std::string, fs::path> seen;  // file name -> the file loaded under it
  for (const auto& dir : plugin_search_path()) {
    auto files = plugin_files(dir, failures);
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      const auto [first, fresh] = seen.emplace(f.filename().string(), f);
      std::error_code ec;
      if (!fresh && fs::equivalent(first->second, f, ec)) continue;  // one file, reached twice
      if (!fresh && !registry.allow_override()) {
        failures.push_back({f, f.string() + ": has the file name of " + first->second.string() +
                                   ", loaded before it; to let it replace that plugin's items, "
                                   "run with --allow-override or LUMEN_ALLOW_OVERRIDE=1"});
        continue;
      }
      try {
        load_plugin(registry, f);
      } catch (const Error& e) {
        failures.push_back({f, e.what()});
      }
    }
  }
  return failures;
}

}  // namespace lumen
