// The npy dataset kind: inputs [N,C,H,W] in one .npy file, integer labels [N] (or [N,1]) in
// another, optional binary masks [N,1,H,W] or [N,H,W] in a third. Read whole when opened.
#include <cmath>
#include <limits>
#include <lumen/dataset.hpp>
#include <lumen/error.hpp>
#include <lumen/io.hpp>
#include <lumen/plugin.hpp>

namespace lumen::npy_dataset {

namespace {

class NpyDataset final : public Dataset {
 public:
  NpyDataset(Tensor inputs, std::vector<std::int64_t> labels, std::optional<Tensor> masks,
             std::int64_t classes, std::string file)
      : inputs_(std::move(inputs)),
        labels_(std::move(labels)),
        masks_(std::move(masks)),
        classes_(classes),
        file_(std::move(file)) {}

  std::int64_t size() const override { return inputs_.dim(0); }
  std::vector<std::string> class_names() const override {
    std::vector<std::string> names;
    for (std::int64_t c = 0; c < classes_; ++c) names.push_back(std::to_string(c));
    return names;
  }
  Shape sample_shape() const override { return {inputs_.dim(1), inputs_.dim(2), inputs_.dim(3)}; }
  bool has_masks() const override { return masks_.has_value(); }
  Sample get(std::int64_t index) const override {
    if (index < 0 || index >= size()) {
      throw InvalidArgument("npy: sample " + std::to_string(index) + " is out of range [0, " +
                            std::to_string(size()) + ")");
    }
    Sample s{inputs_.batch_slice(index).reshaped(sample_shape()),
             labels_[static_cast<std::size_t>(index)], std::nullopt,
             file_ + "#" + std::to_string(index)};
    if (masks_) s.mask = masks_->batch_slice(index).reshaped({1, inputs_.dim(2), inputs_.dim(3)});
    return s;
  }

 private:
  Tensor inputs_;
  std::vector<std::int64_t> labels_;
  std::optional<Tensor> masks_;
  std::int64_t classes_;
  std::string file_;
};

std::string both(const std::string& a, const std::string& b) { return a + " and " + b; }

class NpyKind final : public DatasetKind {
 public:
  DatasetKindInfo info() const override {
    DatasetKindInfo i;
    i.name = "npy";
    i.summary = "inputs [N,C,H,W] from a .npy file, integer labels and optional masks from others";
    i.location = DatasetKindInfo::Location::required;
    i.params = {
        lumen::param::text("labels", "", "the .npy file of N integer labels (required)"),
        lumen::param::text("masks", "",
                           "an optional .npy file of N binary masks [N,1,H,W] or [N,H,W]"),
        lumen::param::integer("classes", 0, "number of classes (0: the largest label + 1)")
            .within(0, 1e6),
    };
    return i;
  }

  std::unique_ptr<Dataset> open(const std::string& location, const Params& params) const override {
    const std::string& labels_file = params.text("labels");
    if (labels_file.empty()) {
      throw InvalidArgument("npy:" + location + ": the option labels=FILE.npy is required");
    }
    Tensor inputs = read_npy(location);
    if (inputs.rank() != 4 || inputs.dim(0) == 0) {
      throw ShapeError(location + ": inputs must be [N,C,H,W] with N > 0, got " +
                       to_string(inputs.shape()));
    }
    for (std::int64_t i = 0; i < inputs.size(); ++i) {
      if (!std::isfinite(inputs[i])) {
        throw InvalidArgument(location + ": non-finite value in sample " +
                              std::to_string(i / (inputs.size() / inputs.dim(0))));
      }
    }
    const std::int64_t n = inputs.dim(0);
    const Tensor labels = read_npy(labels_file);
    if (!(labels.shape() == Shape{n} || labels.shape() == Shape{n, 1})) {
      throw ShapeError(both(location, labels_file) + " do not fit: " + to_string(inputs.shape()) +
                       " inputs need labels [" + std::to_string(n) + "], got " +
                       to_string(labels.shape()));
    }
    std::vector<std::int64_t> label_values;
    std::int64_t largest = 0;
    for (std::int64_t i = 0; i < n; ++i) {
      const float v = labels[i];
      if (!std::isfinite(v) || v < 0.0F || v != std::floor(v)) {
        throw InvalidArgument(labels_file + ": label " + std::to_string(i) + " = " +
                              std::to_string(v) + " is not a non-negative integer");
      }
      label_values.push_back(static_cast<std::int64_t>(v));
      largest = std::max(largest, label_values.back());
    }
    std::int64_t classes = params.integer("classes");
    if (classes == 0) classes = largest + 1;
    if (largest >= classes) {
      throw InvalidArgument(labels_file + ": label " + std::to_string(largest) +
                            " is not below classes=" + std::to_string(classes));
    }
    std::optional<Tensor> masks;
    if (const std::string& masks_file = params.text("masks"); !masks_file.empty()) {
      const Tensor m = read_npy(masks_file);
      const Shape plane{n, inputs.dim(2), inputs.dim(3)};
      const Shape with_channel{n, 1, inputs.dim(2), inputs.dim(3)};
      if (m.shape() != plane && m.shape() != with_channel) {
        throw ShapeError(both(location, masks_file) + " do not fit: " + to_string(inputs.shape()) +
                         " inputs need masks " + to_string(with_channel) + " or " +
                         to_string(plane) + ", got " + to_string(m.shape()));
      }
      for (std::int64_t i = 0; i < m.size(); ++i) {
        if (m[i] != 0.0F && m[i] != 1.0F) {
          throw InvalidArgument(masks_file + ": value " + std::to_string(m[i]) + " at flat index " +
                                std::to_string(i) + " is not 0 or 1");
        }
      }
      masks = m.reshaped(with_channel);
    }
    return std::make_unique<NpyDataset>(std::move(inputs), std::move(label_values),
                                        std::move(masks), classes, location);
  }
};

void fill(Registrar& registrar) { registrar.add_dataset_kind(std::make_shared<NpyKind>()); }

}  // namespace

}  // namespace lumen::npy_dataset

LUMEN_PLUGIN("npy", "0.1.0", lumen::npy_dataset::fill)
