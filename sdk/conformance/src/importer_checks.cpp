#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "check_support.hpp"
#include "lumen/conformance/checks.hpp"
#include "lumen/conformance/test_models.hpp"
#include "lumen/context.hpp"
#include "lumen/error.hpp"
#include "lumen/importer.hpp"
#include "lumen/output_dir.hpp"
#include "lumen/registry.hpp"
#include "lumen/trace.hpp"

namespace lumen::conformance {

namespace {

namespace fs = std::filesystem;
using detail::fail;

constexpr std::uint64_t garbage_seeds[] = {1, 2, 3, 4, 5};
constexpr std::size_t garbage_sizes[] = {1, 16, 300, 5000, 70000};
// Files up to this size are truncated at every length; larger ones at `spread_lengths` lengths.
constexpr std::size_t every_length_limit = 4096;
constexpr std::size_t spread_lengths = 64;

// A private directory for the files the checks write, removed with everything in it.
class ScratchDir {
 public:
  ScratchDir() {
    // A new directory only its owner may enter: nothing can be planted in it.
    std::string name = (fs::temp_directory_path() / "lumen-conformance-XXXXXX").string();
    if (::mkdtemp(name.data()) == nullptr) {
      throw IoError("cannot create a scratch directory '" + name + "': " + std::strerror(errno));
    }
    path_ = name;
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  fs::path write(const std::string& name, const std::string& bytes) const {
    const fs::path file = path_ / name;
    write_file(file, bytes);
    return file;
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string read_all(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw IoError("cannot read the sample model " + file.string());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string garbage(std::size_t size, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> byte(0, 255);
  std::string bytes(size, '\0');
  for (char& c : bytes) c = static_cast<char>(byte(rng));
  return bytes;
}

// Loading `file` must throw a lumen::Error; returns its message. `what` describes the file.
std::string refusal(const Importer& importer, const fs::path& file, const std::string& what) {
  try {
    importer.load(file);
  } catch (const Error& e) {
    return e.what();
  } catch (const std::exception& e) {
    fail(what + " threw " + detail::type_name(typeid(e)) + ": " + e.what() +
         " instead of a lumen::Error");
  }
  fail(what + " was loaded as a model instead of being refused");
}

std::vector<std::size_t> truncation_lengths(std::size_t size) {
  std::vector<std::size_t> lengths;
  if (size <= every_length_limit) {
    for (std::size_t n = 0; n < size; ++n) lengths.push_back(n);
  } else {
    for (std::size_t i = 0; i < spread_lengths; ++i) lengths.push_back(i * size / spread_lengths);
  }
  return lengths;
}

// Note [truncation at a boundary]
// A file cut where its format allows it to end (between two protobuf fields of an ONNX model, say
// just before the trailing metadata) is a well-formed file; no importer can tell it was cut. Such
// a prefix may load, but only as the same network: its logits on a probe input must be
// bit-identical to the full model's. Any other load, or any exception but a lumen::Error, fails.
std::string truncation_check(const Importer& importer, const fs::path& sample,
                             const std::shared_ptr<const Backend>& backend,
                             const ScratchDir& scratch) {
  if (!backend) fail(detail::missing_reference_backend());
  const Model full = importer.load(sample);
  const Tensor probe = random_tensor(full.batch_shape(1), 5);
  Context context(backend, 1, 0);
  const Tensor expected = predict_logits(full, probe, context);
  const std::string bytes = read_all(sample);
  const std::string ext = sample.extension().string();
  const auto lengths = truncation_lengths(bytes.size());
  int same_network = 0;
  for (const std::size_t n : lengths) {
    const std::string what =
        "the first " + std::to_string(n) + " of " + std::to_string(bytes.size()) + " bytes";
    const fs::path file = scratch.write("truncated" + ext, bytes.substr(0, n));
    std::optional<Model> loaded;
    try {
      loaded.emplace(importer.load(file));
    } catch (const Error&) {
      continue;
    } catch (const std::exception& e) {
      fail(what + " threw " + detail::type_name(typeid(e)) + ": " + e.what() +
           " instead of a lumen::Error");
    }
    if (loaded->batch_shape(1) != full.batch_shape(1) ||
        !detail::bit_identical(predict_logits(*loaded, probe, context), expected)) {
      fail(what + " loaded as a model that computes something else instead of being refused");
    }
    ++same_network;
  }
  std::string note = std::to_string(lengths.size()) + " lengths";
  if (same_network > 0) {
    note += "; " + std::to_string(same_network) +
            " ended on a field boundary and loaded as the same network (identical logits)";
  }
  return note;
}

std::string info_complete(const ImporterInfo& info, const std::string& key) {
  std::vector<std::string> problems;
  if (info.name != key) {
    problems.push_back("info().name '" + info.name + "' differs from its registered name");
  }
  if (!detail::is_kebab_case(info.name))
    problems.push_back("name '" + info.name + "' is not kebab-case");
  if (info.summary.empty()) problems.push_back("the summary is empty");
  if (info.extensions.empty()) problems.push_back("it declares no file extension");
  for (const auto& e : info.extensions) {
    const bool lower = std::all_of(e.begin(), e.end(), [](char c) { return !std::isupper(c); });
    if (e.size() < 2 || e.front() != '.' || !lower) {
      problems.push_back("extension '" + e + "' is not lower case with its dot ('.onnx')");
    }
  }
  if (!problems.empty()) fail(detail::join(problems, "; "));
  return "extensions " + detail::join(info.extensions, " ");
}

}  // namespace

void check_importer(const Registry& registry, const Subject& item,
                    std::span<const fs::path> sample_models, Report& report) {
  std::shared_ptr<const Importer> importer;
  ImporterInfo info;
  report.run(item, "info complete", [&] {
    importer = registry.importer(item.name);
    info = importer->info();
    return info_complete(info, item.name);
  });
  if (!importer) return;
  ScratchDir scratch;
  const auto backend = detail::find_reference_backend(registry);
  for (const std::string& ext : info.extensions) {
    report.run(item, "refuses a missing file (" + ext + ")", [&] {
      const fs::path missing = scratch.path() / ("missing" + ext);
      return "refused: " + refusal(*importer, missing, "a missing file");
    });
    report.run(item, "refuses an empty file (" + ext + ")", [&] {
      return "refused: " + refusal(*importer, scratch.write("empty" + ext, ""), "an empty file");
    });
    report.run(item, "refuses garbage bytes (" + ext + ")", [&] {
      int files = 0;
      for (const std::uint64_t seed : garbage_seeds) {
        for (const std::size_t size : garbage_sizes) {
          const std::string what =
              std::to_string(size) + " garbage bytes (seed " + std::to_string(seed) + ")";
          refusal(*importer, scratch.write("garbage" + ext, garbage(size, seed)), what);
          ++files;
        }
      }
      return std::to_string(files) + " files refused";
    });
  }
  for (const fs::path& sample : sample_models) {
    const std::string ext = sample.extension().string();
    if (std::find(info.extensions.begin(), info.extensions.end(), ext) == info.extensions.end()) {
      continue;
    }
    const bool loaded = report.run(item, "loads the sample model " + sample.string(), [&] {
      const Model model = importer->load(sample);
      return std::to_string(model.graph().size()) + " nodes, " +
             std::to_string(model.class_count()) + " classes";
    });
    if (!loaded) continue;
    report.run(item, "refuses truncations of " + sample.filename().string(),
               [&] { return truncation_check(*importer, sample, backend, scratch); });
  }
}

}  // namespace lumen::conformance
