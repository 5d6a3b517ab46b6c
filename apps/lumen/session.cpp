#include "session.hpp"

#include <sstream>

#include <spdlog/spdlog.h>
#include <lumen/dataset.hpp>
#include <lumen/error.hpp>
#include <lumen/importer.hpp>
#include <lumen/log.hpp>

namespace lumen::cli {

Session::Session(GlobalOptions options) : options_(std::move(options)) {
  set_log_level(options_.log_level);
  registry_.set_allow_override(options_.allow_override);
  failures_ = load_plugins(registry_);
  // Said on every command, so a missing method is never a mystery (`lumen plugins` details them).
  for (const auto& f : failures_) logger().warn("plugin not loaded: {}", f.reason);
}

Model Session::load_model(const std::filesystem::path& file, const ImportOptions& options) const {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) {
    throw IoError("cannot read model '" + file.string() + "': no such file");
  }
  if (!std::filesystem::is_regular_file(file, ec)) {
    throw IoError("cannot read model '" + file.string() +
                  "': it is not a regular file (a directory, FIFO, socket or device)");
  }
  return registry_.importer_for(file)->load(file, options);
}

std::shared_ptr<const Backend> Session::backend() const {
  std::vector<std::string> first;
  std::stringstream names(options_.backend);
  for (std::string name; std::getline(names, name, ',');) {
    if (name.empty()) throw UsageError("--backend: empty name in '" + options_.backend + "'");
    first.push_back(name);
  }
  return registry_.backend_chain(first);
}

std::unique_ptr<Context> Session::make_context() const {
  auto context = std::make_unique<Context>(backend(), options_.threads, options_.seed);
  context->set_pass_memory(options_.pass_memory_mib << 20);
  return context;
}

std::filesystem::path dataset_location(const std::string& spec) {
  if (spec.empty()) return {};
  return parse_dataset_spec(spec).location;
}

}  // namespace lumen::cli
