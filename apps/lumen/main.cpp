// The lumen command line: parses, loads the plugins, runs one subcommand.
#include <malloc.h>

#include <CLI/CLI.hpp>
#include <charconv>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <lumen/error.hpp>
#include <string>

#include "session.hpp"

namespace {

// Note [reused tensor memory]: explanations allocate and free activation-sized tensors (megabytes)
// at every layer. By default glibc maps large blocks fresh and returns freed heap tops to the
// system, so each pass paid a page fault per 4 KB touched (a fifth of the time on small models).
// The command line keeps freed memory for reuse instead: its peak stays that of one pass.
void keep_freed_memory() {
  mallopt(M_MMAP_THRESHOLD, 32 << 20);  // glibc's largest; larger blocks are still mapped
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
}

// CLI11 would wrap a negative seed and clamp one above 2^64 - 1 without a word; a seed that is
// not the one given would silently change every random choice.
const CLI::Validator whole_number_below_2_to_64(
    [](const std::string& text) -> std::string {
      std::uint64_t value = 0;
      const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
        return "'" + text + "' is not a whole number from 0 to 18446744073709551615";
      }
      return {};
    },
    "UINT64");

}  // namespace

int main(int argc, char** argv) {
  using namespace lumen::cli;
  keep_freed_memory();
  CLI::App app{"lumen: explanations of convolutional network decisions", "lumen"};
  app.fallthrough();  // global flags may come after the subcommand
  app.require_subcommand(1);
  GlobalOptions globals;
  app.add_option("--log-level", globals.log_level, "Logging threshold")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}))
      ->capture_default_str();
  app.add_option("--threads", globals.threads, "Worker threads (0: all hardware threads)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--seed", globals.seed, "Seed of every random choice")
      ->check(whole_number_below_2_to_64)
      ->capture_default_str();
  app.add_option("--backend", globals.backend,
                 "Kernel backends to try first, comma-separated; the others follow in the "
                 "default order that `lumen plugins` shows");
  app.add_option("--pass-memory", globals.pass_memory_mib,
                 "MiB one batched pass may use: methods that run many copies of an input "
                 "(integrated gradients, SmoothGrad, Score-CAM, ...) cut them into passes this "
                 "size; each thread may run one")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 30))
      ->capture_default_str();
  app.add_flag("--allow-override", globals.allow_override,
               "Let a plugin on LUMEN_PLUGIN_PATH replace a method, rule, metric, backend, "
               "importer or dataset kind of the same name (warned); otherwise it is refused "
               "(also LUMEN_ALLOW_OVERRIDE=1)");

  const std::vector<Command> commands{
      add_plugins_command(app),  add_inspect_command(app),  add_predict_command(app),
      add_explain_command(app),  add_demo_command(app),     add_bench_command(app),
      add_data_command(app),     add_protocol_command(app), add_train_command(app),
      add_evaluate_command(app), add_annotate_command(app)};
  for (auto* sub : app.get_subcommands({})) {
    sub->footer(
        "Global flags (--log-level, --threads, --seed, --backend, --pass-memory, "
        "--allow-override) may also follow the subcommand; see lumen --help.");
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  try {
    Session session(globals);
    for (const auto& command : commands) {
      if (command.app->parsed()) return command.run(session);
    }
  } catch (const UsageError& e) {
    std::cerr << "lumen: usage error: " << e.what() << "\nRun with --help for more information.\n";
    return 2;
  } catch (const lumen::Error& e) {
    std::cerr << "lumen: error: " << e.what() << '\n';
    return 1;
  } catch (const std::filesystem::filesystem_error& e) {
    // A file system refusal (permissions, a full disk) is the user's to fix, not a bug: say what
    // failed on which path, e.g. "cannot create directories: Permission denied [/data/out/tank]".
    std::string what = e.what();
    const std::string prefix = "filesystem error: ";
    if (what.starts_with(prefix)) what.erase(0, prefix.size());
    std::cerr << "lumen: error: " << what << '\n';
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "lumen: internal error: " << e.what() << '\n';
    return 1;
  }
  return 2;
}
