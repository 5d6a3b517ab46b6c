#pragma once
/// The whole suite as lumen-conformance runs it: load the plugins, pick the items, check each,
/// print the counts and the summary.
#include <filesystem>
#include <iosfwd>
#include <vector>

#include "lumen/conformance/export.hpp"

namespace lumen::conformance {

struct SuiteOptions {
  /// Plugin files to load and check (each failure to load is a FAIL).
  std::vector<std::filesystem::path> plugins;
  /// Check every registered item, not only those of `plugins`; fails when no explainer is checked.
  bool all = false;
  /// Model files an importer declaring their extension must load (and refuse truncated).
  std::vector<std::filesystem::path> sample_models;
};

/// Loads the plugins of the search path (lumen::load_plugins) and `options.plugins`, checks the
/// selected items and prints one line per check, the number of items checked per kind and the
/// summary to `out`. Returns the process exit status: 0 only when no check failed and at least one
/// ran.
LUMEN_CONFORMANCE_API int run_suite(const SuiteOptions& options, std::ostream& out);

}  // namespace lumen::conformance
