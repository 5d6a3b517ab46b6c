// `lumen protocol cnn-lrp`: the CNN-LRP paper's evaluation (its §5 and Table 1). Trains sar-cnn
// and the sparse auto-encoder, masks the training and test images with the top share of their
// cnn-lrp relevance (on the auto-encoder: "common LRP"), retrains fresh models on the masked
// images, and tabulates accuracy on the original and the masked test set.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <lumen/dataset.hpp>
#include <lumen/error.hpp>
#include <lumen/explainer.hpp>
#include <lumen/output_dir.hpp>
#include <lumen/training/masked_retrain.hpp>
#include <lumen/training/trainer.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "session.hpp"
#include "subset_dataset.hpp"

namespace lumen::cli {
namespace {

using namespace lumen::training;

struct ProtocolOptions {
  std::string data, test, out = "protocol-cnn-lrp";
  std::vector<std::string> params;
  int epochs = 10;
  std::int64_t batch_size = 32;
  double learning_rate = 0.001;
  std::int64_t hidden = 100;
  double keep = 0.7;
  std::string keep_rule = "mass";
  std::string test_targets = "prediction";
  double test_fraction = 0.2;
};

// One of the paper's two model families and what the protocol measured on it.
struct Family {
  std::string model_row, masked_row, architecture;
  MaskedRetrainResult result;
};

std::string percent(double fraction) {
  if (std::isnan(fraction)) return "-";
  std::ostringstream s;
  s << std::fixed << std::setprecision(2) << 100.0 * fraction << "%";
  return s.str();
}

nlohmann::json report_json(const ClassificationReport& r) {
  nlohmann::json per_class = nlohmann::json::array();
  for (double a : r.class_accuracy) {
    per_class.push_back(std::isnan(a) ? nlohmann::json(nullptr) : nlohmann::json(a));
  }
  return {{"accuracy", r.accuracy},
          {"class_accuracy", per_class},
          {"class_count", r.class_count},
          {"confusion", r.confusion}};
}

std::string confusion_markdown(const ClassificationReport& r) {
  std::ostringstream s;
  s << "| true \\ predicted |";
  for (const auto& c : r.class_names) s << ' ' << c << " |";
  s << " accuracy |\n|---|";
  for (std::size_t c = 0; c <= r.class_names.size(); ++c) s << "---|";
  s << '\n';
  for (std::size_t t = 0; t < r.class_names.size(); ++t) {
    s << "| " << r.class_names[t] << " |";
    for (auto count : r.confusion[t]) s << ' ' << count << " |";
    s << ' ' << percent(r.class_accuracy[t]) << " |\n";
  }
  return s.str();
}

// The paper's Table 1 layout, the mask statistics and the confusion matrices.
std::string table_markdown(const std::vector<Family>& families, const std::string& header) {
  std::ostringstream s;
  s << "# CNN-LRP protocol\n\n" << header << "\n\n";
  s << "| model | accuracy, original test data | accuracy, masked test data |\n|---|---|---|\n";
  for (const auto& f : families) {
    const auto& r = f.result;
    s << "| " << f.model_row << " | " << percent(r.original_on_original.accuracy) << " | "
      << percent(r.original_on_masked.accuracy) << " |\n";
    s << "| " << f.masked_row << " | " << percent(r.retrained_on_original.accuracy) << " | "
      << percent(r.retrained_on_masked.accuracy) << " |\n";
  }
  s << "\nMasks (share of pixels kept per image, mean; images without positive relevance):\n\n"
    << "| masks of | training set | test set |\n|---|---|---|\n";
  for (const auto& f : families) {
    const auto& r = f.result;
    s << "| " << f.masked_row << " | " << percent(r.train_masks.kept_fraction) << ", "
      << r.train_masks.empty_masks << " empty | " << percent(r.test_masks.kept_fraction) << ", "
      << r.test_masks.empty_masks << " empty |\n";
  }
  for (const auto& f : families) {
    s << "\n## " << f.model_row << " on the original test data\n\n"
      << confusion_markdown(f.result.original_on_original);
    s << "\n## " << f.masked_row << " on the masked test data\n\n"
      << confusion_markdown(f.result.retrained_on_masked);
  }
  return s.str();
}

void print_table(const std::vector<Family>& families) {
  std::cout << '\n'
            << std::left << std::setw(48) << "model" << std::right << std::setw(12) << "original"
            << std::setw(12) << "masked" << '\n';
  for (const auto& f : families) {
    const auto& r = f.result;
    std::cout << std::left << std::setw(48) << f.model_row << std::right << std::setw(12)
              << percent(r.original_on_original.accuracy) << std::setw(12)
              << percent(r.original_on_masked.accuracy) << '\n'
              << std::left << std::setw(48) << f.masked_row << std::right << std::setw(12)
              << percent(r.retrained_on_original.accuracy) << std::setw(12)
              << percent(r.retrained_on_masked.accuracy) << '\n';
  }
}

TrainOptions train_options(const ProtocolOptions& o, std::uint64_t seed, const std::string& name) {
  TrainOptions t;
  t.epochs = o.epochs;
  t.batch_size = o.batch_size;
  t.seed = seed;
  t.optimizer.kind = OptimizerOptions::Kind::adam;
  t.optimizer.learning_rate = static_cast<float>(o.learning_rate);
  t.on_epoch = [name](const EpochRecord& r) {
    std::cerr << "  " << name << " epoch " << r.epoch << ": loss " << std::setprecision(4)
              << r.train_loss << ", accuracy " << percent(r.train_accuracy) << " ("
              << std::setprecision(3) << r.seconds << " s)\n";
  };
  return t;
}

int run_protocol(const ProtocolOptions& o, Session& session) {
  std::map<std::string, std::string> given;
  for (const auto& p : o.params) given.insert(parse_assignment(p));
  const auto explainer = session.registry().explainer("cnn-lrp");
  const ExplainerChoice method{
      explainer.get(), Params::validate(explainer->info().params, given, "cnn-lrp"), std::nullopt};
  const std::uint64_t seed = session.options().seed;
  refuse_input_as_output(o.out, {dataset_location(o.data), dataset_location(o.test)});

  const auto data = session.registry().open_dataset(o.data);
  std::unique_ptr<Dataset> test_data;
  std::unique_ptr<Dataset> train_part;
  if (!o.test.empty()) {
    test_data = session.registry().open_dataset(o.test);
  } else {
    auto split = split_indices(data->size(), o.test_fraction, seed);
    if (split.validation.empty() || split.train.empty()) {
      throw UsageError("--test-fraction " + std::to_string(o.test_fraction) + " of " +
                       std::to_string(data->size()) + " samples leaves an empty part");
    }
    test_data = std::make_unique<SubsetDataset>(*data, std::move(split.validation));
    train_part = std::make_unique<SubsetDataset>(*data, std::move(split.train));
  }
  const Dataset& train = train_part ? *train_part : *data;
  const Dataset& test = *test_data;

  MaskedRetrainOptions options;
  options.mask.keep = o.keep;
  options.mask.rule = o.keep_rule == "count" ? KeepRule::count : KeepRule::mass;
  options.test_targets = o.test_targets == "label" ? TargetChoice::label : TargetChoice::prediction;
  const auto context = session.make_context();
  std::cout << "lumen protocol cnn-lrp: " << train.size() << " training and " << test.size()
            << " test samples " << to_string(train.sample_shape()) << " of "
            << train.class_names().size() << " classes, " << o.epochs << " epoch(s), keep "
            << o.keep << " (" << o.keep_rule << "), " << context->threads() << " thread(s)\n";

  struct Spec {
    const char *model_row, *masked_row, *architecture;
  };
  const Spec specs[] = {{"sparse auto-encoder", "common LRP (sparse auto-encoder, masked data)",
                         "sparse-autoencoder"},
                        {"CNN", "CNN-LRP (CNN, masked data)", "sar-cnn"}};
  std::vector<Family> families;
  const auto start = std::chrono::steady_clock::now();
  for (const auto& f : specs) {
    const auto trainer = architecture_trainer(
        f.architecture, train_options(o, seed, f.architecture), seed, o.hidden);
    std::cerr << "training " << f.architecture << " on the original data\n";
    const Model model = trainer(train, *context);
    std::cerr << "explaining with cnn-lrp and retraining " << f.architecture
              << " on the masked data\n";
    families.push_back({f.model_row, f.masked_row, f.architecture,
                        masked_retrain(model, train, test, method, trainer, options, *context)});
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  print_table(families);

  std::ostringstream header;
  header << "Training data `" << o.data << "` (" << train.size() << " samples), test data `"
         << (o.test.empty() ? o.data + "` (held-out part, " : o.test + "` (") << test.size()
         << " samples); " << o.epochs << " epoch(s), Adam " << o.learning_rate << ", batch "
         << o.batch_size << "; masks keep " << o.keep << " of the positive cnn-lrp relevance ("
         << o.keep_rule << " rule), training masks for "
         << "the labels, test masks for the " << o.test_targets << "s; seed " << seed << "; "
         << std::fixed << std::setprecision(1) << seconds << " s.";
  const OutputDir out = OutputDir::create(o.out);
  out.write_file("table.md", table_markdown(families, header.str()));

  nlohmann::json doc{{"protocol", "cnn-lrp"},
                     {"data", o.data},
                     {"test", o.test.empty() ? nlohmann::json(nullptr) : nlohmann::json(o.test)},
                     {"train_samples", train.size()},
                     {"test_samples", test.size()},
                     {"class_names", train.class_names()},
                     {"epochs", o.epochs},
                     {"batch_size", o.batch_size},
                     {"learning_rate", o.learning_rate},
                     {"hidden", o.hidden},
                     {"keep", o.keep},
                     {"keep_rule", o.keep_rule},
                     {"test_targets", o.test_targets},
                     {"explainer_params", method.params.values()},
                     {"seed", seed},
                     {"threads", context->threads()},
                     {"seconds", seconds},
                     {"rows", nlohmann::json::array()}};
  for (const auto& f : families) {
    const auto& r = f.result;
    auto masks = [](const MaskStatistics& m) {
      return nlohmann::json{{"kept_fraction", m.kept_fraction}, {"empty", m.empty_masks}};
    };
    doc["rows"].push_back({{"row", f.model_row},
                           {"architecture", f.architecture},
                           {"original_test", report_json(r.original_on_original)},
                           {"masked_test", report_json(r.original_on_masked)}});
    doc["rows"].push_back({{"row", f.masked_row},
                           {"architecture", f.architecture},
                           {"original_test", report_json(r.retrained_on_original)},
                           {"masked_test", report_json(r.retrained_on_masked)},
                           {"train_masks", masks(r.train_masks)},
                           {"test_masks", masks(r.test_masks)}});
  }
  out.write_file("results.json", doc.dump(2) + "\n");
  std::cout << "wrote " << (out / "table.md").string() << " and " << (out / "results.json").string()
            << '\n';
  return 0;
}

}  // namespace

Command add_protocol_command(CLI::App& parent) {
  auto* app = parent.add_subcommand("protocol", "Run a paper's evaluation protocol");
  app->require_subcommand(1);
  app->fallthrough();
  auto o = std::make_shared<ProtocolOptions>();
  auto* cnn_lrp = app->add_subcommand(
      "cnn-lrp",
      "CNN-LRP Table 1: train sar-cnn and the sparse auto-encoder, mask the data with their "
      "cnn-lrp relevance, retrain on the masked data, compare accuracies");
  cnn_lrp->add_option("--data", o->data, "Training data, e.g. synthetic-sar:?n=1000&split=train")
      ->required();
  cnn_lrp->add_option("--test", o->test,
                      "Test data (default: a seeded --test-fraction of --data held out)");
  cnn_lrp
      ->add_option("--test-fraction", o->test_fraction, "Share of --data held out without --test")
      ->check(CLI::Range(0.01, 0.9))
      ->capture_default_str();
  cnn_lrp->add_option("--epochs", o->epochs, "Epochs of every training run")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  cnn_lrp->add_option("--batch-size", o->batch_size, "Mini-batch size")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  cnn_lrp->add_option("--learning-rate", o->learning_rate, "Adam's learning rate")
      ->check(CLI::Range(1e-7, 1.0))
      ->capture_default_str();
  cnn_lrp->add_option("--hidden", o->hidden, "Code size of the sparse auto-encoder")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  cnn_lrp->add_option("--keep", o->keep, "Share of the positive relevance kept by the masks")
      ->check(CLI::Range(0.001, 1.0))
      ->capture_default_str();
  cnn_lrp
      ->add_option("--keep-rule", o->keep_rule,
                   "mass: fewest pixels holding --keep of the positive relevance; count: the "
                   "top --keep share of the positive pixels")
      ->check(CLI::IsMember({"mass", "count"}))
      ->capture_default_str();
  cnn_lrp
      ->add_option("--test-targets", o->test_targets,
                   "Class the test images are explained for: prediction or label")
      ->check(CLI::IsMember({"prediction", "label"}))
      ->capture_default_str();
  cnn_lrp->add_option("--param", o->params, "cnn-lrp parameter NAME=VALUE (repeatable)")
      ->allow_extra_args(false);
  cnn_lrp->add_option("--out", o->out, "Output directory for table.md and results.json")
      ->capture_default_str();
  return {app, [o](Session& session) { return run_protocol(*o, session); }};
}

}  // namespace lumen::cli
