// Checks of dataset kinds: a complete info, and, for kinds that need no location (generators),
// the contract of an opened dataset: sizes, shapes, labels, masks, determinism, thread-safety.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <set>
#include <thread>

#include "check_support.hpp"
#include "lumen/conformance/report.hpp"
#include "lumen/dataset.hpp"
#include "lumen/error.hpp"
#include "lumen/registry.hpp"

namespace lumen::conformance {

namespace {

using detail::fail;

constexpr int concurrent_threads = 4;
constexpr std::int64_t most_samples_checked = 64;

std::string info_complete(const DatasetKindInfo& info, const std::string& key) {
  std::vector<std::string> problems;
  if (info.name != key) {
    problems.push_back("info().name '" + info.name + "' differs from its registered name");
  }
  if (!detail::is_kebab_case(info.name))
    problems.push_back("name '" + info.name + "' is not kebab-case");
  for (const auto& alias : info.aliases) {
    if (!detail::is_kebab_case(alias))
      problems.push_back("alias '" + alias + "' is not kebab-case");
  }
  if (info.summary.empty()) problems.push_back("the summary is empty");
  for (auto& p : detail::param_spec_problems(info.params, "dataset kind '" + info.name + "'")) {
    problems.push_back(std::move(p));
  }
  if (!problems.empty()) fail(detail::join(problems, "; "));
  return std::to_string(info.params.size()) + " options" +
         (info.aliases.empty() ? "" : ", aliases " + detail::join(info.aliases, " "));
}

// Indices spread over the dataset, at most most_samples_checked of them, first and last included.
std::vector<std::int64_t> probe_indices(std::int64_t size) {
  std::vector<std::int64_t> indices;
  const std::int64_t count = std::min(size, most_samples_checked);
  for (std::int64_t k = 0; k < count; ++k) {
    indices.push_back(count == 1 ? 0 : k * (size - 1) / (count - 1));
  }
  return indices;
}

bool same_sample(const Sample& a, const Sample& b) {
  if (a.label != b.label || a.id != b.id || a.mask.has_value() != b.mask.has_value()) return false;
  return detail::bit_identical(a.image, b.image) &&
         (!a.mask || detail::bit_identical(*a.mask, *b.mask));
}

std::string sample_problems(const Dataset& d, const Sample& s, std::int64_t index,
                            std::int64_t classes) {
  const std::string at = "sample " + std::to_string(index);
  if (s.image.shape() != d.sample_shape()) {
    return at + " has shape " + to_string(s.image.shape()) + ", sample_shape() is " +
           to_string(d.sample_shape());
  }
  if (!all_finite(s.image)) return at + " has a non-finite value";
  if (s.label < 0 || s.label >= classes) {
    return at + " has label " + std::to_string(s.label) + " outside [0, " +
           std::to_string(classes) + ")";
  }
  if (s.mask.has_value() != d.has_masks()) {
    return at + (s.mask ? " has a mask but has_masks() is false"
                        : " has no mask but has_masks() is true");
  }
  if (!s.mask) return {};
  const Shape want{1, d.sample_shape()[1], d.sample_shape()[2]};
  if (s.mask->shape() != want) {
    return at + " has a mask of shape " + to_string(s.mask->shape()) + ", expected " +
           to_string(want);
  }
  for (float v : s.mask->values()) {
    if (v != 0.0F && v != 1.0F)
      return at + " has a mask value " + detail::number(v) + ", not 0 or 1";
  }
  return {};
}

void check_opened(const Dataset& d, const Subject& item, Report& report) {
  report.run(item, "size, classes and sample shape", [&] {
    if (d.size() <= 0) fail("size() is " + std::to_string(d.size()));
    if (d.class_names().empty()) fail("class_names() is empty");
    const Shape shape = d.sample_shape();
    if (shape.size() != 3 ||
        std::any_of(shape.begin(), shape.end(), [](auto n) { return n <= 0; })) {
      fail("sample_shape() " + to_string(shape) + " is not a positive [C,H,W]");
    }
    return std::to_string(d.size()) + " samples, " + std::to_string(d.class_names().size()) +
           " classes, " + to_string(shape) + (d.has_masks() ? ", masks" : "");
  });
  const auto indices = probe_indices(d.size());
  const auto classes = static_cast<std::int64_t>(d.class_names().size());
  std::vector<Sample> first;
  report.run(item, "samples: shape, finite values, labels in range, masks [1,H,W] in {0,1}", [&] {
    for (const std::int64_t i : indices) {
      first.push_back(d.get(i));
      if (auto problem = sample_problems(d, first.back(), i, classes); !problem.empty())
        fail(problem);
    }
    return std::to_string(indices.size()) + " samples checked";
  });
  if (first.size() != indices.size()) return;
  report.run(item, "get(i) twice is bit-identical", [&] {
    for (std::size_t k = indices.size(); k-- > 0;) {  // the other order too
      if (!same_sample(d.get(indices[k]), first[k])) {
        fail("sample " + std::to_string(indices[k]) + " differs between two calls");
      }
    }
    return std::string();
  });
  report.run(
      item, "get() from " + std::to_string(concurrent_threads) + " threads equals sequential", [&] {
        std::vector<std::string> mismatch(concurrent_threads);
        std::vector<std::thread> threads;
        for (int t = 0; t < concurrent_threads; ++t) {
          threads.emplace_back([&, t] {
            try {
              for (std::size_t k = static_cast<std::size_t>(t); k < indices.size(); ++k) {
                if (!same_sample(d.get(indices[k]), first[k])) {
                  mismatch[static_cast<std::size_t>(t)] =
                      "sample " + std::to_string(indices[k]) + " differs when read concurrently";
                  return;
                }
              }
            } catch (const std::exception& e) {
              mismatch[static_cast<std::size_t>(t)] = std::string("get() threw: ") + e.what();
            }
          });
        }
        for (auto& thread : threads) thread.join();
        for (const auto& m : mismatch) {
          if (!m.empty()) fail(m);
        }
        return std::string();
      });
}

}  // namespace

void check_dataset(const Registry& registry, const Subject& item, Report& report) {
  std::shared_ptr<const DatasetKind> kind;
  DatasetKindInfo info;
  const bool described = report.run(item, "info complete", [&] {
    kind = registry.dataset_kind(item.name);
    info = kind->info();
    return info_complete(info, item.name);
  });
  if (!described) return;
  if (info.location == DatasetKindInfo::Location::required) {
    report.run(item, "refuses a missing location with a lumen::Error", [&] {
      const auto missing =
          std::filesystem::temp_directory_path() / "lumen-conformance-no-such-dataset";
      try {
        kind->open(missing.string(), Params::validate(info.params, {}, info.name));
      } catch (const Error& e) {
        return std::string("refused: ") + e.what();
      }
      fail("opening '" + missing.string() + "' succeeded");
    });
    report.record({item, "an opened dataset keeps the contract", Outcome::skip,
                   "the kind needs a location; only kinds with location none are opened"});
    return;
  }
  std::unique_ptr<Dataset> dataset;
  report.run(item, "opens with its defaults", [&] {
    dataset = kind->open("", Params::validate(info.params, {}, info.name));
    return std::string();
  });
  if (dataset) check_opened(*dataset, item, report);
}

}  // namespace lumen::conformance
