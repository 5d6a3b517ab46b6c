// The mstar dataset kind: every MSTAR file under a directory, read and prepared when the dataset
// is opened; the class is the name of the file's directory (or its TargetType= header field).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <limits>
#include <lumen/dataset.hpp>
#include <lumen/error.hpp>
#include <lumen/plugin.hpp>
#include <set>

#include "chip_preparation.hpp"
#include "phoenix_file.hpp"

namespace lumen::mstar {

namespace {

namespace fs = std::filesystem;

// Files that sit beside the chips in MSTAR releases and are not chips.
const std::set<std::string> ignored_extensions{".jpg",  ".jpeg", ".png", ".gif", ".txt", ".htm",
                                               ".html", ".md",   ".csv", ".xml", ".pdf"};

bool ignored(const fs::path& file) {
  std::string ext = file.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return file.filename().string().starts_with('.') || ignored_extensions.count(ext) > 0;
}

std::string read_bytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw InvalidArgument("cannot be opened");
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct Chip {
  Tensor image;
  std::string class_name;
  std::string file;
};

class MstarDataset final : public Dataset {
 public:
  MstarDataset(std::vector<Chip> chips, std::vector<ReadProblem> problems, std::int64_t size)
      : problems_(std::move(problems)), size_(size) {
    std::set<std::string> names;
    for (const auto& c : chips) names.insert(c.class_name);
    classes_.assign(names.begin(), names.end());
    for (auto& c : chips) {
      const auto label =
          std::lower_bound(classes_.begin(), classes_.end(), c.class_name) - classes_.begin();
      samples_.push_back({std::move(c.image), label, std::nullopt, std::move(c.file)});
    }
  }

  std::int64_t size() const override { return static_cast<std::int64_t>(samples_.size()); }
  std::vector<std::string> class_names() const override { return classes_; }
  Shape sample_shape() const override { return {1, size_, size_}; }
  bool has_masks() const override { return false; }
  Sample get(std::int64_t index) const override {
    if (index < 0 || index >= size()) {
      throw InvalidArgument("mstar: sample " + std::to_string(index) + " is out of range [0, " +
                            std::to_string(size()) + ")");
    }
    return samples_[static_cast<std::size_t>(index)];
  }
  std::vector<ReadProblem> problems() const override { return problems_; }

 private:
  std::vector<Sample> samples_;
  std::vector<std::string> classes_;
  std::vector<ReadProblem> problems_;
  std::int64_t size_;
};

class MstarKind final : public DatasetKind {
 public:
  DatasetKindInfo info() const override {
    constexpr double inf = std::numeric_limits<double>::infinity();
    DatasetKindInfo i;
    i.name = "mstar";
    i.summary =
        "MSTAR chips (Phoenix header, big-endian float32 magnitude then phase) under a "
        "directory, searched recursively; the class is the file's directory name";
    i.location = DatasetKindInfo::Location::required;
    using T = ParamType;
    i.params = {
        {"size", T::integer, "64", "output height and width in pixels", 1, 4096, {}},
        {"crop",
         T::integer,
         "0",
         "centre square cut before resizing to size (0: size, i.e. a plain centre crop); "
         "limited to the chip",
         0,
         4096,
         {}},
        {"magnitude",
         T::choice,
         "db",
         "magnitude scale: db (20 log10) or linear",
         -inf,
         inf,
         {"db", "linear"}},
        {"normalise",
         T::choice,
         "chip-max",
         "chip-max: [0,1] relative to the chip's maximum (dB: the top db_range dB); none; "
         "standardise: zero mean and unit variance per chip",
         -inf,
         inf,
         {"chip-max", "none", "standardise"}},
        {"db_range",
         T::real,
         "40",
         "dB below the chip's maximum mapped to 0 (chip-max, db)",
         1,
         300,
         {}},
        {"class_from",
         T::choice,
         "directory",
         "directory: the name of the file's directory; target-type: the TargetType= field",
         -inf,
         inf,
         {"directory", "target-type"}},
    };
    return i;
  }

  std::unique_ptr<Dataset> open(const std::string& location, const Params& params) const override {
    const fs::path root(location);
    std::error_code ec;
    if (!fs::is_directory(root, ec)) {
      throw IoError("mstar: '" + location + "' is not a directory");
    }
    Preparation prep;
    prep.size = params.integer("size");
    prep.crop = params.integer("crop");
    prep.decibels = params.text("magnitude") == "db";
    const std::string& normalise = params.text("normalise");
    prep.normalise = normalise == "none"          ? Preparation::Normalise::none
                     : normalise == "standardise" ? Preparation::Normalise::standardise
                                                  : Preparation::Normalise::chip_max;
    prep.db_range = params.real("db_range");
    const bool by_directory = params.text("class_from") == "directory";

    std::vector<fs::path> files;
    for (const auto& entry : fs::recursive_directory_iterator(root, ec)) {
      if (entry.is_regular_file() && !ignored(entry.path())) files.push_back(entry.path());
    }
    if (ec) throw IoError("mstar: cannot list '" + location + "': " + ec.message());
    std::sort(files.begin(), files.end());

    std::vector<Chip> chips;
    std::vector<ReadProblem> problems;
    for (const auto& file : files) {
      try {
        const PhoenixChip chip = parse_phoenix(read_bytes(file));
        std::string name = file.parent_path().filename().string();
        if (!by_directory) {
          const auto it = chip.header.find("TargetType");
          if (it == chip.header.end() || it->second.empty()) {
            throw InvalidArgument("header has no TargetType= field (class_from=target-type)");
          }
          name = it->second;
        }
        chips.push_back(
            {prepare_chip(chip.magnitude, chip.rows, chip.columns, prep), name, file.string()});
      } catch (const Error& e) {
        problems.push_back({file.string(), e.what()});
      }
    }
    if (chips.empty()) {
      std::string why = files.empty()
                            ? "it holds no candidate file"
                            : std::to_string(problems.size()) +
                                  " files, none readable; the first: " + problems.front().item +
                                  ": " + problems.front().reason;
      throw IoError("mstar: no readable MSTAR file under '" + location + "': " + why);
    }
    return std::make_unique<MstarDataset>(std::move(chips), std::move(problems), prep.size);
  }
};

void fill(Registrar& registrar) { registrar.add_dataset_kind(std::make_shared<MstarKind>()); }

}  // namespace

}  // namespace lumen::mstar

LUMEN_PLUGIN("mstar", "0.1.0", lumen::mstar::fill)
