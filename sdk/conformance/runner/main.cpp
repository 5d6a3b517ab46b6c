// lumen-conformance: holds plugins to the contract every explainer, rule, metric, backend and
// importer must keep. See docs/conformance.md.
#include <exception>
#include <iostream>
#include <string>
#include <string_view>

#include "lumen/conformance/report.hpp"
#include "lumen/conformance/suite.hpp"

namespace {

constexpr std::string_view usage =
    "usage: lumen-conformance [--plugin FILE.so]... [--all] [--sample-model FILE]...\n"
    "  --plugin FILE        load FILE and check every item it registers (repeatable)\n"
    "  --all                check every registered item (the plugin search path and --plugin)\n"
    "  --sample-model FILE  a model file importers declaring its extension must load, and refuse\n"
    "                       when truncated (repeatable)\n"
    "Plugins of the search path (LUMEN_PLUGIN_PATH, then lumen's plugin directory) are loaded\n"
    "first; the cpu-naive backend among them is the reference the checks run on.\n"
    "Exit status: 0 when no check failed and at least one ran, 1 otherwise, 2 on a usage error.\n";

int usage_error(const std::string& message) {
  std::cerr << "lumen-conformance: " << message << "\n" << usage;
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  lumen::conformance::SuiteOptions options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << usage;
      return 0;
    }
    if (arg == "--all") {
      options.all = true;
    } else if (arg == "--plugin" || arg == "--sample-model") {
      if (i + 1 == argc) return usage_error(std::string(arg) + " needs a file");
      auto& files = arg == "--plugin" ? options.plugins : options.sample_models;
      files.emplace_back(argv[++i]);
    } else {
      return usage_error("unknown argument '" + std::string(arg) + "'");
    }
  }
  lumen::conformance::install_crash_reporter();
  try {
    return lumen::conformance::run_suite(options, std::cout);
  } catch (const std::exception& e) {
    std::cerr << "lumen-conformance: " << e.what() << '\n';
    return 1;
  }
}
