#pragma once
#include <cstdint>
#include <filesystem>
#include <functional>
#include <lumen/context.hpp>
#include <lumen/importer.hpp>
#include <lumen/model.hpp>
#include <lumen/plugin_loader.hpp>
#include <lumen/registry.hpp>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace lumen::cli {

/// The flags every subcommand accepts.
struct GlobalOptions {
  std::string log_level = "warn";
  int threads = 0;  ///< 0: all hardware threads
  std::uint64_t seed = 0;
  /// Backends to try first, comma-separated; the rest follow in the default order. Empty: the
  /// default order (`lumen plugins` shows it).
  std::string backend;
  /// Memory one batched pass may use, in MiB (Context::pass_memory).
  std::int64_t pass_memory_mib = 512;
  /// Let a plugin replace the items of a name another plugin registered (with a warning).
  bool allow_override = false;
};

/// A command line mistake found after parsing (exit code 2, like CLI11's own usage errors).
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// What a subcommand works with: the plugins loaded at start-up and the global flags.
class Session {
 public:
  /// Applies the log level, then loads every plugin in the search path.
  explicit Session(GlobalOptions options);

  const GlobalOptions& options() const { return options_; }
  const Registry& registry() const { return registry_; }
  const std::vector<PluginFailure>& failures() const { return failures_; }

  /// Loads a model with the importer registered for its extension, built for the input shape
  /// `options` asks for (a model whose input leaves C, H or W open needs one).
  Model load_model(const std::filesystem::path& file, const ImportOptions& options = {}) const;
  /// A context with the chosen backends, thread count and seed.
  std::unique_ptr<Context> make_context() const;
  /// The backend chain --backend selects: its name lists the backends in the order tried.
  std::shared_ptr<const Backend> backend() const;

 private:
  GlobalOptions options_;
  Registry registry_;
  std::vector<PluginFailure> failures_;
};

/// The file or directory a dataset (KIND:LOCATION[?...]) reads, empty for none: an input that no
/// output may be (refuse_input_as_output). Throws InvalidArgument on a malformed spec.
std::filesystem::path dataset_location(const std::string& spec);

/// A subcommand: its CLI11 app (to see whether it was chosen) and what running it does.
struct Command {
  CLI::App* app = nullptr;
  std::function<int(Session&)> run;
};

Command add_plugins_command(CLI::App& parent);
Command add_inspect_command(CLI::App& parent);
Command add_predict_command(CLI::App& parent);
Command add_explain_command(CLI::App& parent);
Command add_demo_command(CLI::App& parent);
Command add_bench_command(CLI::App& parent);
Command add_data_command(CLI::App& parent);
Command add_evaluate_command(CLI::App& parent);
Command add_train_command(CLI::App& parent);
Command add_protocol_command(CLI::App& parent);
Command add_annotate_command(CLI::App& parent);

}  // namespace lumen::cli
