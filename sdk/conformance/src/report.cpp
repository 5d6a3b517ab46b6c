#include "lumen/conformance/report.hpp"

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <ostream>
#include <typeinfo>

#include "check_support.hpp"

namespace lumen::conformance {

CheckFailed::~CheckFailed() = default;
CheckSkipped::~CheckSkipped() = default;

namespace {

const char* label(Outcome outcome) {
  switch (outcome) {
    case Outcome::pass: return "PASS";
    case Outcome::fail: return "FAIL";
    case Outcome::skip: return "SKIP";
  }
  return "????";
}

// One line per check, whatever the messages of the plugin's exceptions hold.
std::string one_line(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return text;
}

// Note [crash reporting]
// A plugin that crashes takes the process with it; the line of the check that was running is
// prepared before the check starts, so the signal handler only has to write it (write(2) is
// async-signal-safe, formatting is not).
char crash_line[4096];
volatile std::sig_atomic_t crash_line_armed = 0;

void arm_crash_line(const CheckResult& running) {
  CheckResult crashed = running;
  crashed.outcome = Outcome::fail;
  crashed.reason = "crashed (signal ";
  const std::string text = format(crashed);
  const std::size_t n = std::min(text.size(), sizeof crash_line - 1);
  std::memcpy(crash_line, text.data(), n);
  crash_line[n] = '\0';
  crash_line_armed = 1;
}

void on_crash(int signal) {
  if (crash_line_armed == 0) {
    constexpr char outside[] = "lumen-conformance: crashed outside any check\n";
    [[maybe_unused]] auto a = write(STDERR_FILENO, outside, sizeof outside - 1);
  } else {
    char tail[32];
    int n = 0;
    // The signal number in decimal, by hand (no formatting inside a signal handler).
    char digits[12];
    int d = 0;
    for (int s = signal; s > 0 && d < 11; s /= 10) digits[d++] = static_cast<char>('0' + s % 10);
    while (d > 0) tail[n++] = digits[--d];
    tail[n++] = ')';
    tail[n++] = '\n';
    [[maybe_unused]] auto a = write(STDOUT_FILENO, crash_line, std::strlen(crash_line));
    [[maybe_unused]] auto b = write(STDOUT_FILENO, tail, static_cast<std::size_t>(n));
  }
  _exit(2);
}

}  // namespace

std::string format(const CheckResult& result) {
  std::string line = std::string(label(result.outcome)) + "  " + result.subject.kind + " " +
                     result.subject.name + " (plugin " + result.subject.plugin +
                     "): " + result.check;
  if (!result.reason.empty()) line += " \u2014 " + result.reason;
  return one_line(std::move(line));
}

Report::Report(std::ostream* out) : out_(out) {}

void Report::record(CheckResult result) {
  switch (result.outcome) {
    case Outcome::pass: ++passed_; break;
    case Outcome::fail: ++failed_; break;
    case Outcome::skip: ++skipped_; break;
  }
  // Flushed line by line, so that what ran before a crash is never lost in a buffer.
  if (out_) *out_ << format(result) << std::endl;
  results_.push_back(std::move(result));
}

bool Report::run(const Subject& subject, const std::string& check,
                 const std::function<std::string()>& body) {
  CheckResult result{subject, check, Outcome::pass, {}};
  arm_crash_line(result);
  try {
    result.reason = body();
  } catch (const CheckFailed& e) {
    result.outcome = Outcome::fail;
    result.reason = e.what();
  } catch (const CheckSkipped& e) {
    result.outcome = Outcome::skip;
    result.reason = e.what();
  } catch (const std::exception& e) {
    result.outcome = Outcome::fail;
    result.reason = "threw " + detail::type_name(typeid(e)) + ": " + e.what();
  } catch (...) {
    result.outcome = Outcome::fail;
    result.reason = "an exception of unknown type";
  }
  crash_line_armed = 0;
  const bool passed = result.outcome == Outcome::pass;
  record(std::move(result));
  return passed;
}

std::string Report::summary() const {
  std::string text = std::to_string(passed_) + " passed, " + std::to_string(failed_) + " failed";
  if (skipped_ > 0) text += ", " + std::to_string(skipped_) + " skipped";
  return text;
}

void install_crash_reporter() {
  for (int signal : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) std::signal(signal, on_crash);
}

}  // namespace lumen::conformance
