// The image-folder dataset kind (alias folder): DIR/<class>/**.png|jpg|jpeg, classes in sorted
// name order; DIR/masks/<class>/<same relative path>.png, when DIR/masks exists, holds the
// ground-truth masks. Every image is read, converted and kept when the dataset is opened.
#include <algorithm>
#include <filesystem>
#include <limits>
#include <lumen/dataset.hpp>
#include <lumen/error.hpp>
#include <lumen/io.hpp>
#include <lumen/plugin.hpp>
#include <lumen/resample.hpp>

namespace lumen::image_folder {

namespace {

namespace fs = std::filesystem;

constexpr const char* masks_folder = "masks";

bool is_image(const fs::path& file) {
  std::string ext = file.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg";
}

// [1,C,H,W] from read_image to [channels,height,width]: grey replicated or RGB averaged, then
// resized bilinearly.
Tensor convert(const Tensor& image, std::int64_t channels, std::int64_t height,
               std::int64_t width) {
  const std::int64_t c = image.dim(1), h = image.dim(2), w = image.dim(3);
  Tensor planes({1, channels, h, w});
  for (std::int64_t k = 0; k < channels; ++k) {
    for (std::int64_t p = 0; p < h * w; ++p) {
      if (c == channels) {
        planes[k * h * w + p] = image[k * h * w + p];
      } else if (c == 1) {
        planes[k * h * w + p] = image[p];
      } else {
        planes[k * h * w + p] = (image[p] + image[h * w + p] + image[2 * h * w + p]) / 3.0F;
      }
    }
  }
  return upsample_bilinear(planes, height, width).reshaped({channels, height, width});
}

Tensor binary_mask(const Tensor& image, std::int64_t height, std::int64_t width) {
  Tensor mask = convert(image, 1, height, width);
  for (float& v : mask.values()) v = v >= 0.5F ? 1.0F : 0.0F;
  return mask;
}

class FolderDataset final : public Dataset {
 public:
  FolderDataset(std::vector<Sample> samples, std::vector<std::string> classes, Shape shape,
                bool masks, std::vector<ReadProblem> problems)
      : samples_(std::move(samples)),
        classes_(std::move(classes)),
        shape_(std::move(shape)),
        masks_(masks),
        problems_(std::move(problems)) {}

  std::int64_t size() const override { return static_cast<std::int64_t>(samples_.size()); }
  std::vector<std::string> class_names() const override { return classes_; }
  Shape sample_shape() const override { return shape_; }
  bool has_masks() const override { return masks_; }
  Sample get(std::int64_t index) const override {
    if (index < 0 || index >= size()) {
      throw InvalidArgument("image-folder: sample " + std::to_string(index) +
                            " is out of range [0, " + std::to_string(size()) + ")");
    }
    return samples_[static_cast<std::size_t>(index)];
  }
  std::vector<ReadProblem> problems() const override { return problems_; }

 private:
  std::vector<Sample> samples_;
  std::vector<std::string> classes_;
  Shape shape_;
  bool masks_;
  std::vector<ReadProblem> problems_;
};

class ImageFolderKind final : public DatasetKind {
 public:
  DatasetKindInfo info() const override {
    DatasetKindInfo i;
    i.name = "image-folder";
    i.aliases = {"folder"};
    i.summary =
        "PNG/JPEG images in one sub-folder per class (sorted names are the classes); masks from "
        "DIR/masks/<class>/<name>.png when that folder exists";
    i.location = DatasetKindInfo::Location::required;
    i.params = {
        lumen::param::integer("size", 0,
                              "resize every image to size x size (0: the size of the first image)")
            .within(0, 4096),
        lumen::param::choice("channels", "1", {"1", "3"},
                             "1 (RGB averaged to grey) or 3 (grey replicated)"),
        lumen::param::integer("max_pixels", default_max_image_pixels,
                              "largest width x height of an image or mask read; larger ones are "
                              "skipped before decoding, with the reason")
            .within(1, std::numeric_limits<double>::infinity()),
    };
    return i;
  }

  std::unique_ptr<Dataset> open(const std::string& location, const Params& params) const override {
    const fs::path root(location);
    std::error_code ec;
    if (!fs::is_directory(root, ec)) {
      throw IoError("image-folder: '" + location + "' is not a directory");
    }
    std::vector<std::string> classes;
    for (const auto& entry : fs::directory_iterator(root, ec)) {
      if (entry.is_directory() && entry.path().filename() != masks_folder) {
        classes.push_back(entry.path().filename().string());
      }
    }
    std::sort(classes.begin(), classes.end());
    if (classes.empty()) {
      throw IoError("image-folder: '" + location + "' has no class sub-folder");
    }
    const bool masks = fs::is_directory(root / masks_folder, ec);
    const std::int64_t channels = std::stoll(params.text("channels"));
    std::int64_t height = params.integer("size"), width = height;
    ImageReadOptions limits;
    limits.max_pixels = params.integer("max_pixels");
    limits.max_pixels_setting =
        "the dataset option max_pixels, e.g. folder:" + location + "?max_pixels=N";

    std::vector<Sample> samples;
    std::vector<ReadProblem> problems;
    for (std::size_t label = 0; label < classes.size(); ++label) {
      std::vector<fs::path> files;
      for (const auto& entry : fs::recursive_directory_iterator(root / classes[label], ec)) {
        if (entry.is_regular_file() && is_image(entry.path())) files.push_back(entry.path());
      }
      std::sort(files.begin(), files.end());
      for (const auto& file : files) {
        try {
          const Tensor image = read_image(file, limits);
          if (height == 0) {
            height = image.dim(2);
            width = image.dim(3);
          }
          Sample s{convert(image, channels, height, width), static_cast<std::int64_t>(label),
                   std::nullopt, file.string()};
          if (masks) {
            const fs::path mask =
                (root / masks_folder / fs::relative(file, root)).replace_extension(".png");
            if (!fs::exists(mask)) throw IoError("it has no mask " + mask.string());
            s.mask = binary_mask(read_image(mask, limits), height, width);
          }
          samples.push_back(std::move(s));
        } catch (const Error& e) {
          problems.push_back({file.string(), e.what()});
        }
      }
    }
    if (samples.empty()) {
      throw IoError("image-folder: no readable image under '" + location + "'" +
                    (problems.empty() ? std::string()
                                      : "; the first problem: " + problems.front().item + ": " +
                                            problems.front().reason));
    }
    return std::make_unique<FolderDataset>(std::move(samples), std::move(classes),
                                           Shape{channels, height, width}, masks,
                                           std::move(problems));
  }
};

void fill(Registrar& registrar) { registrar.add_dataset_kind(std::make_shared<ImageFolderKind>()); }

}  // namespace

}  // namespace lumen::image_folder

LUMEN_PLUGIN("image-folder", "0.1.0", lumen::image_folder::fill)
