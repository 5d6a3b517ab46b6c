// The synthetic-sar dataset kind: chips generated on demand, sample i a pure function of
// (seed, split, i). The scene model is documented in docs/datasets.md.
#include <limits>
#include <lumen/dataset.hpp>
#include <lumen/error.hpp>
#include <lumen/plugin.hpp>
#include <string>

#include "chip_generator.hpp"
#include "split.hpp"
#include "target_layouts.hpp"

namespace lumen::synthetic_sar {

namespace {

class SyntheticSar final : public Dataset {
 public:
  SyntheticSar(ChipOptions options, std::int64_t size, std::uint64_t seed, Split split)
      : options_(options), size_(size), seed_(seed), split_(split) {}

  std::int64_t size() const override { return size_; }
  std::vector<std::string> class_names() const override {
    std::vector<std::string> names;
    for (int c = 0; c < options_.classes; ++c) names.push_back(target_layout(c).name);
    return names;
  }
  Shape sample_shape() const override { return {options_.channels, options_.size, options_.size}; }
  bool has_masks() const override { return true; }
  Sample get(std::int64_t index) const override {
    if (index < 0 || index >= size_) {
      throw InvalidArgument("synthetic-sar: sample " + std::to_string(index) +
                            " is out of range [0, " + std::to_string(size_) + ")");
    }
    const auto g = stream_index(split_, static_cast<std::uint64_t>(index),
                                static_cast<std::uint64_t>(options_.classes));
    Chip chip = generate_chip(options_, seed_, g);
    return {std::move(chip.image), chip.label, std::move(chip.mask),
            "synthetic-sar#" + std::to_string(g)};
  }

 private:
  ChipOptions options_;
  std::int64_t size_;
  std::uint64_t seed_;
  Split split_;
};

class SyntheticSarKind final : public DatasetKind {
 public:
  DatasetKindInfo info() const override {
    DatasetKindInfo i;
    i.name = "synthetic-sar";
    i.summary =
        "generated SAR chips: per class a layout of bright point scatterers with a radar shadow, "
        "random aspect and position, Gamma speckle, and the exact target mask";
    i.location = DatasetKindInfo::Location::none;
    using T = ParamType;
    i.params = {
        {"n", T::integer, "2000", "number of samples", 1, 1e8, {}},
        {"size", T::choice, "64", "chip height and width in pixels", -inf, inf, {"64", "128"}},
        {"classes",
         T::integer,
         "10",
         "number of classes (the first ones of the ten)",
         2,
         max_classes,
         {}},
        {"seed", T::integer, "0", "seed of the generator", 0, 9007199254740992.0, {}},
        {"looks",
         T::real,
         "4",
         "L of the multiplicative Gamma speckle (mean 1, variance 1/L)",
         0.5,
         1000,
         {}},
        {"channels",
         T::integer,
         "1",
         "1 (HH-like) or 2 (HH and a VH-like cross-polarisation)",
         1,
         2,
         {}},
        {"split",
         T::choice,
         "all",
         "train, test (a fixed 80/20 partition of the stream that never shares a sample) or all "
         "(the stream itself)",
         -inf,
         inf,
         {"train", "test", "all"}},
        {"clutter", T::real, "0.05", "mean clutter intensity (a unit scatterer has 1)", 0, 1, {}},
        {"jitter",
         T::real,
         "6",
         "largest shift of the target centre, in pixels of a 64 chip",
         0,
         16,
         {}},
        {"distractors",
         T::integer,
         "2",
         "bright clutter points per chip, outside the mask",
         0,
         50,
         {}},
        {"dropout",
         T::real,
         "0.15",
         "probability that a scatterer is hidden in a chip",
         0,
         0.9,
         {}},
        {"values",
         T::choice,
         "linear",
         "linear: magnitude / 1.5 clipped to [0,1]; db: intensity from -30 to +5 dB mapped to "
         "[0,1]",
         -inf,
         inf,
         {"linear", "db"}},
    };
    return i;
  }

  std::unique_ptr<Dataset> open(const std::string& /*location*/,
                                const Params& params) const override {
    ChipOptions o;
    o.size = std::stoi(params.text("size"));
    o.classes = static_cast<int>(params.integer("classes"));
    o.looks = params.real("looks");
    o.channels = static_cast<int>(params.integer("channels"));
    o.clutter = params.real("clutter");
    o.jitter = params.real("jitter");
    o.distractors = static_cast<int>(params.integer("distractors"));
    o.dropout = params.real("dropout");
    o.decibels = params.text("values") == "db";
    const std::string& split = params.text("split");
    return std::make_unique<SyntheticSar>(o, params.integer("n"),
                                          static_cast<std::uint64_t>(params.integer("seed")),
                                          split == "train"  ? Split::train
                                          : split == "test" ? Split::test
                                                            : Split::all);
  }

 private:
  static constexpr double inf = std::numeric_limits<double>::infinity();
};

void fill(Registrar& registrar) {
  registrar.add_dataset_kind(std::make_shared<SyntheticSarKind>());
}

}  // namespace

}  // namespace lumen::synthetic_sar

LUMEN_PLUGIN("synthetic-sar", "0.1.0", lumen::synthetic_sar::fill)
