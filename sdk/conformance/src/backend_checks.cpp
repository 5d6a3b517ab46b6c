#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "backend_battery.hpp"
#include "backend_model_check.hpp"
#include "backend_threading.hpp"
#include "check_support.hpp"
#include "kernel_calls.hpp"
#include "lumen/backend.hpp"
#include "lumen/conformance/checks.hpp"
#include "lumen/registry.hpp"
#include "test_cases.hpp"

namespace lumen::conformance {

namespace {

using detail::Buffer;
using detail::describe;
using detail::fail;
using detail::input_size;
using detail::nans;
using detail::output_size;
using detail::random_values;
using detail::weight_size;
using I = std::int64_t;

// Float kernels summing the same terms in another order (blocking, SIMD, Winograd) differ by
// rounding; 1e-4 of the largest output leaves room for that over a few hundred terms.
constexpr double tolerance = 1e-4;
// Calls made at once by the concurrency check, each on inputs of its own.
constexpr int concurrent_calls = 8;

// How one kernel compared over the whole battery.
class Tally {
 public:
  void add(const std::string& where, std::span<const float> actual,
           std::span<const float> expected) {
    ++cases_;
    const double error = detail::relative_difference(actual, expected);
    if (!(error <= tolerance)) {
      differ(where + ": max relative difference " + detail::number(error) + " (tolerance " +
             detail::number(tolerance) + ")");
    } else {
      worst_ = std::max(worst_, error);
    }
  }
  void differ(const std::string& what) {
    if (first_.empty()) first_ = what;
    ++differing_;
  }
  void count() { ++cases_; }
  std::string verdict() const {
    if (differing_ > 0) {
      fail(std::to_string(differing_) + " of " + std::to_string(cases_) + " cases differ from " +
           reference_backend + "; first: " + first_);
    }
    return std::to_string(cases_) + " cases, max relative difference " + detail::number(worst_) +
           " (tolerance " + detail::number(tolerance) + ")";
  }

 private:
  int cases_ = 0;
  int differing_ = 0;
  double worst_ = 0.0;
  std::string first_;
};

// Calls a kernel of the backend under test, naming the case when it throws.
void call(const std::string& where, const std::function<void()>& kernel) {
  try {
    kernel();
  } catch (const std::exception& e) {
    fail(where + ": threw " + e.what());
  }
}

std::string gemm_check(const Backend& b, const Backend& ref) {
  Tally tally;
  std::uint64_t seed = 1;
  for (const auto& g : detail::gemm_battery()) {
    const auto where = describe(g);
    const Buffer a = random_values((g.transpose_a ? g.k : g.m) * g.lda, ++seed);
    const Buffer bm = random_values((g.transpose_b ? g.n : g.k) * g.ldb, ++seed);
    const Buffer c0 = g.beta == 0.0F ? nans(g.m * g.ldc) : random_values(g.m * g.ldc, ++seed);
    Buffer c = c0, expected = c0;
    call(where, [&] {
      b.gemm(g.transpose_a, g.transpose_b, g.m, g.n, g.k, g.alpha, a.data(), g.lda, bm.data(),
             g.ldb, g.beta, c.data(), g.ldc);
    });
    ref.gemm(g.transpose_a, g.transpose_b, g.m, g.n, g.k, g.alpha, a.data(), g.lda, bm.data(),
             g.ldb, g.beta, expected.data(), g.ldc);
    // Only the m x n matrix counts; the padding of each row of C must stay as it was.
    Buffer got, want;
    bool padding_kept = true;
    for (I i = 0; i < g.m; ++i) {
      for (I j = 0; j < g.ldc; ++j) {
        const auto at = static_cast<std::size_t>(i * g.ldc + j);
        if (j < g.n) {
          got.push_back(c[at]);
          want.push_back(expected[at]);
        } else if (std::memcmp(&c[at], &c0[at], sizeof(float)) != 0) {
          padding_kept = false;
        }
      }
    }
    if (!padding_kept) {
      tally.count();
      tally.differ(where + ": it wrote into C beyond column n (the ldc padding)");
      continue;
    }
    tally.add(where, got, want);
  }
  return tally.verdict();
}

std::string conv_forward_check(const Backend& b, const Backend& ref) {
  Tally tally;
  std::uint64_t seed = 100;
  for (const auto& g : detail::conv_battery()) {
    const Buffer x = random_values(input_size(g), ++seed),
                 w = random_values(weight_size(g), ++seed);
    const Buffer bias = random_values(g.out_channels, ++seed);
    const float* bias_or_null = g.batch > 1 ? bias.data() : nullptr;  // both forms are allowed
    Buffer y = nans(output_size(g)), expected = nans(output_size(g));
    call(describe(g), [&] { b.conv2d_forward(g, x.data(), w.data(), bias_or_null, y.data()); });
    ref.conv2d_forward(g, x.data(), w.data(), bias_or_null, expected.data());
    tally.add(describe(g), y, expected);
  }
  return tally.verdict();
}

std::string conv_backward_data_check(const Backend& b, const Backend& ref) {
  Tally tally;
  std::uint64_t seed = 200;
  for (const auto& g : detail::conv_battery()) {
    const Buffer dy = random_values(output_size(g), ++seed),
                 w = random_values(weight_size(g), ++seed);
    Buffer dx = nans(input_size(g)), expected = nans(input_size(g));
    call(describe(g), [&] { b.conv2d_backward_data(g, dy.data(), w.data(), dx.data()); });
    ref.conv2d_backward_data(g, dy.data(), w.data(), expected.data());
    tally.add(describe(g), dx, expected);
  }
  return tally.verdict();
}

std::string conv_backward_weights_check(const Backend& b, const Backend& ref) {
  Tally tally;
  std::uint64_t seed = 300;
  for (const auto& g : detail::conv_battery()) {
    const Buffer x = random_values(input_size(g), ++seed),
                 dy = random_values(output_size(g), ++seed);
    const bool with_bias = g.batch > 1;
    Buffer dw = nans(weight_size(g)), expected_dw = nans(weight_size(g));
    Buffer db = nans(g.out_channels), expected_db = nans(g.out_channels);
    call(describe(g), [&] {
      b.conv2d_backward_weights(g, x.data(), dy.data(), dw.data(), with_bias ? db.data() : nullptr);
    });
    ref.conv2d_backward_weights(g, x.data(), dy.data(), expected_dw.data(),
                                with_bias ? expected_db.data() : nullptr);
    tally.add(describe(g) + " (weights)", dw, expected_dw);
    if (with_bias) tally.add(describe(g) + " (bias)", db, expected_db);
  }
  return tally.verdict();
}

std::string max_pool_forward_check(const Backend& b, const Backend& ref) {
  Tally tally;
  std::uint64_t seed = 400;
  // Shifted below zero, every input is smaller than a zero padding would be: padding never wins.
  // Rounded to -1, 0 or 1, most windows hold their largest value more than once, and the argmax
  // must follow the tie rule (the first in scan order).
  struct Input {
    const char* name;
    float shift;
    bool ties;
  };
  for (const auto& g : detail::pool_battery(false)) {
    for (const Input& input : {Input{"", 0.0F, false}, Input{" (negative input)", -5.0F, false},
                               Input{" (input with ties)", 0.0F, true}}) {
      const auto where = describe(g) + input.name;
      Buffer x = random_values(input_size(g), ++seed, input.shift);
      if (input.ties) {
        for (float& v : x) v = std::round(v);
      }
      const auto n = static_cast<std::size_t>(output_size(g));
      Buffer y = nans(output_size(g)), y_alone = nans(output_size(g)),
             expected = nans(output_size(g));
      std::vector<std::int32_t> argmax(n, -7), expected_argmax(n, -7);
      call(where, [&] {
        b.max_pool2d_forward(g, x.data(), y.data(), argmax.data());
        b.max_pool2d_forward(g, x.data(), y_alone.data(), nullptr);
      });
      ref.max_pool2d_forward(g, x.data(), expected.data(), expected_argmax.data());
      tally.add(where, y, expected);
      tally.add(where + " without argmax", y_alone, expected);
      if (argmax != expected_argmax) {
        tally.count();
        tally.differ(where + ": the argmax indices differ");
      }
    }
  }
  return tally.verdict();
}

std::string max_pool_backward_check(const Backend& b, const Backend& ref) {
  Tally tally;
  std::uint64_t seed = 500;
  for (const auto& g : detail::pool_battery(false)) {
    const Buffer x = random_values(input_size(g), ++seed),
                 dy = random_values(output_size(g), ++seed);
    Buffer y = nans(output_size(g));
    std::vector<std::int32_t> argmax(static_cast<std::size_t>(output_size(g)));
    ref.max_pool2d_forward(g, x.data(), y.data(), argmax.data());
    Buffer dx = nans(input_size(g)), expected = nans(input_size(g));
    call(describe(g), [&] { b.max_pool2d_backward(g, dy.data(), argmax.data(), dx.data()); });
    ref.max_pool2d_backward(g, dy.data(), argmax.data(), expected.data());
    tally.add(describe(g), dx, expected);
  }
  return tally.verdict();
}

std::vector<Pool2dGeometry> avg_pool_battery() {
  auto cases = detail::pool_battery(false);
  for (const auto& g : detail::pool_battery(true)) cases.push_back(g);
  return cases;
}

std::string avg_pool_forward_check(const Backend& b, const Backend& ref) {
  Tally tally;
  std::uint64_t seed = 600;
  for (const auto& g : avg_pool_battery()) {
    const Buffer x = random_values(input_size(g), ++seed);
    Buffer y = nans(output_size(g)), expected = nans(output_size(g));
    call(describe(g), [&] { b.avg_pool2d_forward(g, x.data(), y.data()); });
    ref.avg_pool2d_forward(g, x.data(), expected.data());
    tally.add(describe(g), y, expected);
  }
  return tally.verdict();
}

std::string avg_pool_backward_check(const Backend& b, const Backend& ref) {
  Tally tally;
  std::uint64_t seed = 700;
  for (const auto& g : avg_pool_battery()) {
    const Buffer dy = random_values(output_size(g), ++seed);
    Buffer dx = nans(input_size(g)), expected = nans(input_size(g));
    call(describe(g), [&] { b.avg_pool2d_backward(g, dy.data(), dx.data()); });
    ref.avg_pool2d_backward(g, dy.data(), expected.data());
    tally.add(describe(g), dx, expected);
  }
  return tally.verdict();
}

std::string info_complete(const BackendInfo& info, const std::string& key) {
  std::vector<std::string> problems;
  if (info.name != key) {
    problems.push_back("info().name '" + info.name + "' differs from its registered name");
  }
  if (!detail::is_kebab_case(info.name))
    problems.push_back("name '" + info.name + "' is not kebab-case");
  if (info.summary.empty()) problems.push_back("the summary is empty");
  if (!problems.empty()) fail(detail::join(problems, "; "));
  return {};
}

}  // namespace

void check_backend(const Registry& registry, const Subject& item, Report& report) {
  std::shared_ptr<const Backend> backend;
  report.run(item, "info complete", [&] {
    backend = registry.backend(item.name);
    return info_complete(backend->info(), item.name);
  });
  if (!backend) return;
  const auto reference = detail::find_reference_backend(registry);
  using Check = std::string (*)(const Backend&, const Backend&);
  const std::pair<Kernel, Check> kernels[] = {
      {Kernel::gemm, gemm_check},
      {Kernel::conv2d_forward, conv_forward_check},
      {Kernel::conv2d_backward_data, conv_backward_data_check},
      {Kernel::conv2d_backward_weights, conv_backward_weights_check},
      {Kernel::max_pool2d_forward, max_pool_forward_check},
      {Kernel::max_pool2d_backward, max_pool_backward_check},
      {Kernel::avg_pool2d_forward, avg_pool_forward_check},
      {Kernel::avg_pool2d_backward, avg_pool_backward_check},
  };
  for (const auto& [kernel, check] : kernels) {
    const std::string name = to_string(kernel);
    const std::string agrees = name + " agrees with " + reference_backend;
    const std::string threads = name + " gives the same bits on 1 and 2 threads";
    const std::string concurrent =
        name + " called from several threads at once equals sequential calls";
    if (!backend->implements(kernel)) {
      for (const auto& check_name : {agrees, threads, concurrent}) {
        report.record({item, check_name, Outcome::skip,
                       "not implemented by this backend (a chain runs it on the next backend)"});
      }
      continue;
    }
    if (reference) {
      report.run(item, agrees, [&] { return check(*backend, *reference); });
    } else {
      report.record({item, agrees, Outcome::fail, detail::missing_reference_backend()});
    }
    const auto calls = detail::large_kernel_calls(kernel);
    report.run(item, threads, [&] { return detail::thread_count_check(*backend, calls); });
    report.run(item, concurrent, [&] {
      return detail::concurrency_check(*backend,
                                       detail::distinct_kernel_calls(kernel, concurrent_calls));
    });
  }
  for (const auto& test : detail::test_models(true)) {
    const std::string check =
        "runs the " + test.name + " model like " + reference_backend + " (logits and saliency)";
    if (!reference) {
      report.record({item, check, Outcome::fail, detail::missing_reference_backend()});
      continue;
    }
    report.run(item, check, [&] { return detail::whole_model_check(backend, reference, test); });
  }
}

}  // namespace lumen::conformance
