#pragma once
/// The results of conformance checks: one line per check, printed as it completes, and the counts
/// the summary and the exit status come from.
#include <functional>
#include <iosfwd>
#include <stdexcept>
#include <string>
#include <vector>

#include "lumen/conformance/export.hpp"

namespace lumen::conformance {

enum class Outcome { pass, fail, skip };

/// What a check is about: an item ("explainer", "saliency", its plugin "saliency") or a plugin
/// file ("plugin", "liblumen-x.so", the plugin's name).
struct Subject {
  std::string kind;
  std::string name;
  std::string plugin;
};

struct CheckResult {
  Subject subject;
  std::string check;  ///< the rule checked, e.g. "a fixed seed reproduces on the conv model"
  Outcome outcome = Outcome::pass;
  std::string reason;  ///< why it failed or was skipped; a note on a pass (may be empty)
};

/// "PASS  explainer saliency (plugin saliency): output finite" with " — reason" when there is one.
LUMEN_CONFORMANCE_API std::string format(const CheckResult& result);

/// Thrown by a check body to fail the check with a reason naming the broken rule's evidence.
class LUMEN_CONFORMANCE_API CheckFailed : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
  ~CheckFailed() override;
};

/// Thrown by a check body when the check cannot apply; the reason is printed with the SKIP.
class LUMEN_CONFORMANCE_API CheckSkipped : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
  ~CheckSkipped() override;
};

/// Collects check results and prints each to `out` (when given) as it is recorded. Not
/// thread-safe: checks are run one after the other (a check may start threads internally).
class LUMEN_CONFORMANCE_API Report {
 public:
  explicit Report(std::ostream* out = nullptr);

  void record(CheckResult result);
  /// Runs one check. `body` returns a note for the PASS line (may be empty); it throws CheckFailed
  /// or CheckSkipped to fail or skip. Any other exception (lumen::Error or not) is a FAIL naming
  /// its type and message: a check never ends the run. Returns whether the check passed.
  bool run(const Subject& subject, const std::string& check,
           const std::function<std::string()>& body);

  int passed() const { return passed_; }
  int failed() const { return failed_; }
  int skipped() const { return skipped_; }
  const std::vector<CheckResult>& results() const { return results_; }
  /// "N passed, N failed" followed by ", N skipped" when something was skipped.
  std::string summary() const;

 private:
  std::ostream* out_;
  std::vector<CheckResult> results_;
  int passed_ = 0;
  int failed_ = 0;
  int skipped_ = 0;
};

/// Makes a crash (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT) inside Report::run print a FAIL line
/// for the running check to standard output, then exit with status 2. Call once from main.
LUMEN_CONFORMANCE_API void install_crash_reporter();

}  // namespace lumen::conformance
