// `lumen data synth` writes a dataset to disk as PNG folders, labels.csv and masks;
// `lumen data info` describes a dataset and lists the files it could not read.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <limits>
#include <lumen/dataset.hpp>
#include <lumen/error.hpp>
#include <lumen/io.hpp>
#include <lumen/output_dir.hpp>
#include <optional>
#include <sstream>

#include "session.hpp"

namespace lumen::cli {
namespace {

namespace fs = std::filesystem;

struct DataOptions {
  CLI::App* synth = nullptr;
  CLI::App* info = nullptr;
  std::string out;
  std::string synth_data = "synthetic-sar:";
  std::string info_data;
};

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

std::string file_name(std::int64_t index, std::int64_t count) {
  const std::size_t digits = std::max<std::size_t>(5, std::to_string(count - 1).size());
  std::string n = std::to_string(index);
  return std::string(digits - n.size(), '0') + n + ".png";
}

int run_synth(const DataOptions& o, const Session& session) {
  refuse_input_as_output(o.out, {dataset_location(o.synth_data)});
  const auto dataset = session.registry().open_dataset(o.synth_data);
  const Shape shape = dataset->sample_shape();
  if (shape.size() != 3 || (shape[0] != 1 && shape[0] != 3)) {
    throw InvalidArgument("lumen data synth writes PNG images, which hold 1 or 3 channels; '" +
                          o.synth_data + "' has samples of shape " + to_string(shape));
  }
  std::error_code ec;
  if (fs::exists(o.out, ec) && !fs::is_empty(o.out, ec)) {
    throw InvalidArgument("output directory '" + o.out + "' is not empty; give a new one");
  }
  const OutputDir out = OutputDir::create(o.out);
  std::optional<OutputDir> masks;
  if (dataset->has_masks()) masks = out.subdirectory("masks");
  const auto classes = dataset->class_names();
  for (const auto& c : classes) {  // every class gets its folder, even without samples
    out.subdirectory(c);
    if (masks) masks->subdirectory(c);
  }
  std::ostringstream labels;
  labels << "file,label,class_name\n";
  std::int64_t clamped = 0;
  const std::int64_t n = dataset->size();
  for (std::int64_t i = 0; i < n; ++i) {
    const Sample s = dataset->get(i);
    const std::string& name = classes.at(static_cast<std::size_t>(s.label));
    const std::string file = file_name(i, n);
    for (float v : s.image.values()) clamped += (v < 0.0F || v > 1.0F) ? 1 : 0;
    out.subdirectory(name).write_file(file, encode_png(s.image));
    if (s.mask && masks) masks->subdirectory(name).write_file(file, encode_png(*s.mask));
    labels << csv_field(name + "/" + file) << ',' << s.label << ',' << csv_field(name) << '\n';
  }
  out.write_file("labels.csv", labels.str());
  std::cout << "wrote " << n << " samples of " << classes.size() << " classes to " << o.out
            << (masks ? ", with masks in " + masks->path().string() : "")
            << "\nread it back with --data folder:" << o.out << '\n';
  if (clamped > 0) {
    std::cerr << "lumen: warning: " << clamped
              << " values outside [0,1] were clamped in the PNG files\n";
  }
  return 0;
}

int run_info(const DataOptions& o, const Session& session) {
  const DatasetSpec spec = parse_dataset_spec(o.info_data);
  const auto dataset = session.registry().open_dataset(o.info_data);
  const auto classes = dataset->class_names();
  std::vector<std::int64_t> counts(classes.size(), 0);
  float low = std::numeric_limits<float>::infinity();
  float high = -low;
  for (std::int64_t i = 0; i < dataset->size(); ++i) {
    const Sample s = dataset->get(i);
    ++counts.at(static_cast<std::size_t>(s.label));
    for (float v : s.image.values()) {
      low = std::min(low, v);
      high = std::max(high, v);
    }
  }
  std::cout << "dataset: " << o.info_data
            << "\nkind: " << session.registry().dataset_kind(spec.kind)->info().name
            << "\nsamples: " << dataset->size() << "\nshape: " << to_string(dataset->sample_shape())
            << "\nvalue range: [" << low << ", " << high << "]"
            << "\nmasks: " << (dataset->has_masks() ? "yes" : "no")
            << "\nclasses: " << classes.size() << '\n';
  std::size_t width = 0;
  for (const auto& c : classes) width = std::max(width, c.size());
  for (std::size_t c = 0; c < classes.size(); ++c) {
    std::cout << "  " << c << "  " << classes[c] << std::string(width - classes[c].size() + 2, ' ')
              << counts[c] << '\n';
  }
  const auto problems = dataset->problems();
  std::cout << "unreadable: " << problems.size() << '\n';
  for (const auto& p : problems) std::cout << "  " << p.item << ": " << p.reason << '\n';
  return 0;
}

}  // namespace

Command add_data_command(CLI::App& parent) {
  auto* app = parent.add_subcommand(
      "data", "Write a generated dataset to disk, or describe a dataset (KIND:LOCATION[?options])");
  app->require_subcommand(1);
  app->fallthrough();
  auto o = std::make_shared<DataOptions>();
  o->synth = app->add_subcommand(
      "synth", "Write a dataset as PNG folders (one per class), labels.csv and masks/");
  o->synth->add_option("--out", o->out, "Output directory (new or empty)")->required();
  o->synth->add_option("--data", o->synth_data, "Dataset to write, e.g. synthetic-sar:?n=500")
      ->capture_default_str();
  o->info = app->add_subcommand(
      "info", "Sample count per class, shape, value range, masks and unreadable files");
  o->info->add_option("--data", o->info_data, "Dataset, e.g. mstar:/data/mstar?size=64")
      ->required();
  return {app, [o](Session& session) {
            return o->synth->parsed() ? run_synth(*o, session) : run_info(*o, session);
          }};
}

}  // namespace lumen::cli
