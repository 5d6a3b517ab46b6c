// `lumen train`: trains a built-in architecture on a dataset and writes MODEL.onnx plus MODEL.json
// (the command line, the hyper-parameters, every epoch's figures and the final accuracies).
#include <unistd.h>
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <limits>
#include <lumen/dataset.hpp>
#include <lumen/error.hpp>
#include <lumen/output_dir.hpp>
#include <lumen/training/architectures.hpp>
#include <lumen/training/onnx_export.hpp>
#include <lumen/training/sparse_autoencoder.hpp>
#include <lumen/training/trainer.hpp>
#include <mutex>
#include <nlohmann/json.hpp>
#include <numeric>
#include <sstream>
#include <tuple>

#include "session.hpp"

namespace lumen::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct TrainCommandOptions {
  std::string arch, data, out, test, optimizer = "adam";
  int epochs = 0;
  double val_split = 0.1;
  std::int64_t batch_size = 16;
  float lr = -1.0F;  // < 0: the optimizer's default
  float momentum = 0.9F;
  float weight_decay = 0.0F;
  int patience = 0;
  std::int64_t hidden = 100;
  bool no_normalise = false;
};

float learning_rate(const TrainCommandOptions& o) {
  if (o.lr >= 0.0F) return o.lr;
  return o.optimizer == "sgd" ? 0.01F : 0.001F;
}

// The process's own command line (Linux), quoted for a POSIX shell where needed.
std::string command_line() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::string text, arg;
  while (std::getline(in, arg, '\0')) {
    const bool plain = !arg.empty() && arg.find_first_not_of(
                                           "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                           "0123456789-_./:=,+@%") == std::string::npos;
    std::string quoted = "'";
    for (char c : arg) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    text += (text.empty() ? "" : " ") + (plain ? arg : quoted + "'");
  }
  return text;
}

// Draws "epoch 3/10 [#####.....]  52%  4.1s" on stderr while an epoch runs (when stderr is a
// terminal), and prints each finished epoch's figures on stdout.
class ProgressBar {
 public:
  ProgressBar(std::string stage, int epochs) : stage_(std::move(stage)), epochs_(epochs) {}

  void update(double fraction) {
    if (!terminal_) return;
    const std::lock_guard lock(mutex_);
    const double epoch_position = fraction * epochs_;
    const int epoch = std::min(epochs_, static_cast<int>(epoch_position) + 1);
    const int percent = static_cast<int>(100.0 * (epoch_position - (epoch - 1)));
    if (percent == last_percent_ && epoch == last_epoch_) return;
    last_percent_ = percent;
    last_epoch_ = epoch;
    const int filled = std::clamp(percent / 5, 0, 20);
    std::cerr << '\r' << stage_ << "epoch " << epoch << '/' << epochs_ << " ["
              << std::string(static_cast<std::size_t>(filled), '#')
              << std::string(static_cast<std::size_t>(20 - filled), '.') << "] " << std::setw(3)
              << std::min(percent, 100) << "%  " << std::fixed << std::setprecision(1) << elapsed()
              << 's' << std::defaultfloat << std::flush;
  }

  void finish(const training::EpochRecord& r, bool classifier) {
    const std::lock_guard lock(mutex_);
    if (terminal_) std::cerr << '\r' << std::string(60, ' ') << '\r' << std::flush;
    std::cout << stage_ << "epoch " << r.epoch << '/' << epochs_ << "  loss " << std::fixed
              << std::setprecision(4) << r.train_loss;
    if (classifier) {
      std::cout << "  accuracy " << std::setprecision(2) << 100.0 * r.train_accuracy << '%';
    }
    if (!std::isnan(r.validation_loss)) {
      std::cout << "  val loss " << std::setprecision(4) << r.validation_loss;
      if (classifier) {
        std::cout << "  val accuracy " << std::setprecision(2) << 100.0 * r.validation_accuracy
                  << '%';
      }
    }
    std::cout << "  " << std::setprecision(1) << r.seconds << "s (total " << elapsed() << "s)"
              << std::defaultfloat << std::endl;
    last_epoch_ = -1;
  }

 private:
  double elapsed() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  }
  std::string stage_;
  int epochs_;
  bool terminal_ = isatty(fileno(stderr)) != 0;
  int last_percent_ = -1, last_epoch_ = -1;
  std::mutex mutex_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

json history_json(const std::vector<training::EpochRecord>& history) {
  json rows = json::array();
  auto number = [](double v) { return std::isnan(v) ? json(nullptr) : json(v); };
  for (const auto& r : history) {
    rows.push_back({{"epoch", r.epoch},
                    {"train_loss", r.train_loss},
                    {"train_accuracy", r.train_accuracy},
                    {"validation_loss", number(r.validation_loss)},
                    {"validation_accuracy", number(r.validation_accuracy)},
                    {"seconds", r.seconds}});
  }
  return rows;
}

training::TrainOptions train_options(const TrainCommandOptions& o, std::uint64_t seed) {
  training::TrainOptions t;
  t.epochs = o.epochs;
  t.batch_size = o.batch_size;
  t.validation_fraction = o.val_split;
  t.patience = o.patience;
  t.seed = seed;
  t.optimizer.kind = o.optimizer == "sgd" ? training::OptimizerOptions::Kind::sgd
                                          : training::OptimizerOptions::Kind::adam;
  t.optimizer.learning_rate = learning_rate(o);
  t.optimizer.momentum = o.momentum;
  t.optimizer.weight_decay = o.weight_decay;
  return t;
}

double accuracy_on(const Model& model, const Dataset& data, std::span<const std::int64_t> indices,
                   Context& context, std::int64_t batch_size) {
  if (indices.empty()) return std::numeric_limits<double>::quiet_NaN();
  return training::evaluate(model, data, indices, context, batch_size).accuracy;
}

// What training produced, whichever the architecture.
struct Trained {
  Model model;
  std::vector<training::EpochRecord> history;
  std::vector<training::EpochRecord> autoencoder_history;  // sparse-autoencoder's stage 1
  std::vector<training::EpochRecord> classifier_history;   // and stage 2 (`history`: stage 3)
  int best_epoch = 0;
  bool stopped_early = false;
};

Trained train_architecture(const TrainCommandOptions& o, const Dataset& data, std::uint64_t seed,
                           Context& context) {
  training::ArchitectureOptions arch = training::architecture_options(data, seed);
  if (!o.no_normalise) {
    const auto split = training::split_indices(data.size(), o.val_split, seed);
    std::tie(arch.mean, arch.std) = training::channel_statistics(data, split.train);
  }
  const Model start = training::build_architecture(o.arch, arch);
  auto options = train_options(o, seed);
  ProgressBar bar("", o.epochs);
  options.on_epoch = [&](const training::EpochRecord& r) { bar.finish(r, true); };
  context.set_progress_callback([&](double f) { bar.update(f); });
  auto r = training::train(start, data, options, context);
  return {std::move(r.model), std::move(r.history), {}, {}, r.best_epoch, r.stopped_early};
}

// The three stages of sparse_autoencoder.hpp, each with the command's epochs and optimizer.
Trained train_sparse_autoencoder(const TrainCommandOptions& o, const Dataset& data,
                                 std::uint64_t seed, Context& context) {
  training::SparseAutoencoderOptions sae;
  sae.hidden = o.hidden;
  sae.seed = seed;
  sae.standardise = !o.no_normalise;
  sae.autoencoder = train_options(o, seed);
  sae.classifier = sae.autoencoder;
  sae.fine_tune = sae.autoencoder;
  ProgressBar stage1("auto-encoder ", o.epochs), stage2("classifier ", o.epochs),
      stage3("fine-tuning ", o.epochs);
  sae.autoencoder.on_epoch = [&](const training::EpochRecord& r) { stage1.finish(r, false); };
  sae.classifier.on_epoch = [&](const training::EpochRecord& r) { stage2.finish(r, true); };
  sae.fine_tune.on_epoch = [&](const training::EpochRecord& r) { stage3.finish(r, true); };
  // Each stage reports progress from 0 to 1: a step back means the next stage began.
  double last = 0.0;
  int stage = 0;
  context.set_progress_callback([&](double f) {
    if (f < last) stage = std::min(stage + 1, 2);
    last = f;
    (stage == 0 ? stage1 : stage == 1 ? stage2 : stage3).update(f);
  });
  auto r = training::train_sparse_autoencoder(data, sae, context);
  // The last stage kept its best epoch by the trainer's rule (the first lowest monitored loss);
  // the result does not say which, so it is recovered from the history.
  auto& history = r.fine_tune_history.empty() ? r.classifier_history : r.fine_tune_history;
  int best_epoch = 0;
  double best = std::numeric_limits<double>::infinity();
  for (const auto& e : history) {
    const double monitored = std::isnan(e.validation_loss) ? e.train_loss : e.validation_loss;
    if (monitored < best) best = monitored, best_epoch = e.epoch;
  }
  const bool stopped = static_cast<int>(history.size()) < o.epochs;
  return {std::move(r.classifier),         std::move(history), std::move(r.autoencoder_history),
          std::move(r.classifier_history), best_epoch,         stopped};
}

int run_train(const TrainCommandOptions& o, Session& session) {
  const auto names = training::architecture_names();
  if (std::find(names.begin(), names.end(), o.arch) == names.end()) {
    std::string known;
    for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
    throw UsageError("--arch '" + o.arch + "' is not a built-in architecture; known: " + known);
  }
  const fs::path out(o.out);
  if (out.extension() != ".onnx") {
    throw UsageError("--out '" + o.out + "' must name a .onnx file");
  }
  auto json_path = out;
  json_path.replace_extension(".json");
  for (const auto& output : {out, json_path}) {
    refuse_input_as_output(output, {dataset_location(o.data), dataset_location(o.test)});
  }
  const auto started = std::chrono::steady_clock::now();
  const auto data = session.registry().open_dataset(o.data);
  std::unique_ptr<Dataset> test;
  if (!o.test.empty()) test = session.registry().open_dataset(o.test);
  const auto context = session.make_context();
  const std::uint64_t seed = session.options().seed;
  std::cout << "training " << o.arch << " on " << o.data << ": " << data->size() << " samples of "
            << to_string(data->sample_shape()) << ", " << data->class_names().size() << " classes, "
            << context->threads() << " threads" << std::endl;

  const auto result = o.arch == "sparse-autoencoder"
                          ? train_sparse_autoencoder(o, *data, seed, *context)
                          : train_architecture(o, *data, seed, *context);
  context->set_progress_callback({});

  const auto split = training::split_indices(data->size(), o.val_split, seed);
  const double train_accuracy =
      accuracy_on(result.model, *data, split.train, *context, o.batch_size);
  const double validation_accuracy =
      accuracy_on(result.model, *data, split.validation, *context, o.batch_size);
  double test_accuracy = std::numeric_limits<double>::quiet_NaN();
  if (test) {
    std::vector<std::int64_t> all(static_cast<std::size_t>(test->size()));
    std::iota(all.begin(), all.end(), 0);
    test_accuracy = accuracy_on(result.model, *test, all, *context, o.batch_size);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  const auto onnx = training::onnx_model(result.model);
  onnx.check();
  auto number = [](double v) { return std::isnan(v) ? json(nullptr) : json(v); };
  json doc{{"command", command_line()},
           {"arch", o.arch},
           {"data", o.data},
           {"test_data", o.test.empty() ? json(nullptr) : json(o.test)},
           {"samples", data->size()},
           {"sample_shape", data->sample_shape()},
           {"classes", data->class_names()},
           {"hyper_parameters",
            {{"epochs", o.epochs},
             {"batch_size", o.batch_size},
             {"optimizer", o.optimizer},
             {"learning_rate", learning_rate(o)},
             {"momentum", o.momentum},
             {"weight_decay", o.weight_decay},
             {"validation_split", o.val_split},
             {"patience", o.patience},
             {"input_mean", result.model.input_spec().mean},
             {"input_std", result.model.input_spec().std},
             {"seed", seed},
             {"threads", context->threads()}}},
           {"history", history_json(result.history)},
           {"best_epoch", result.best_epoch > 0 ? json(result.best_epoch) : json(nullptr)},
           {"stopped_early", result.stopped_early},
           {"train_accuracy", number(train_accuracy)},
           {"validation_accuracy", number(validation_accuracy)},
           {"test_accuracy", number(test_accuracy)},
           {"seconds", seconds}};
  if (o.arch == "sparse-autoencoder") {
    doc["hyper_parameters"]["hidden"] = o.hidden;
    doc["autoencoder_history"] = history_json(result.autoencoder_history);
    doc["classifier_history"] = history_json(result.classifier_history);
  }
  const OutputDir dir = OutputDir::create(out.parent_path());
  dir.write_file(out.filename().string(), onnx.serialize());
  try {
    dir.write_file(json_path.filename().string(), doc.dump(2) + '\n');
  } catch (const Error&) {
    // The model and its record go together: without the record, take the model back.
    try {
      dir.remove(out.filename().string());
    } catch (const Error&) {  // the record's error is the one to report
    }
    throw;
  }

  std::cout << std::fixed << std::setprecision(2) << "train accuracy " << 100.0 * train_accuracy
            << '%';
  if (!std::isnan(validation_accuracy)) {
    std::cout << "  validation accuracy " << 100.0 * validation_accuracy << '%';
  }
  if (!std::isnan(test_accuracy)) std::cout << "  test accuracy " << 100.0 * test_accuracy << '%';
  std::cout << std::setprecision(1) << "  (" << seconds << "s)\nwrote " << out.string() << " and "
            << json_path.string() << std::defaultfloat << '\n';
  return 0;
}

}  // namespace

Command add_train_command(CLI::App& parent) {
  auto* app = parent.add_subcommand(
      "train", "Train a built-in architecture on a dataset; write MODEL.onnx and MODEL.json");
  auto o = std::make_shared<TrainCommandOptions>();
  app->add_option("--arch", o->arch,
                  "Architecture: sar-cnn, alexnet-small, resnet-small, sparse-autoencoder")
      ->required();
  app->add_option("--data", o->data, "Training dataset, KIND:LOCATION[?option=value&...]")
      ->required();
  app->add_option("--epochs", o->epochs, "Epochs (per stage for sparse-autoencoder)")
      ->required()
      ->check(CLI::PositiveNumber);
  app->add_option("--out", o->out, "The model to write (.onnx; MODEL.json is written beside it)")
      ->required();
  app->add_option("--val-split", o->val_split, "Fraction held out for validation, in [0, 1)")
      ->check(CLI::Range(0.0, 0.99))
      ->capture_default_str();
  app->add_option("--batch-size", o->batch_size, "Samples per optimizer step")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app->add_option("--optimizer", o->optimizer, "sgd (with momentum) or adam")
      ->check(CLI::IsMember({"sgd", "adam"}))
      ->capture_default_str();
  app->add_option("--lr", o->lr, "Learning rate (default 0.001 for adam, 0.01 for sgd)")
      ->check(CLI::PositiveNumber);
  app->add_option("--momentum", o->momentum, "SGD momentum, in [0, 1)")
      ->check(CLI::Range(0.0, 0.999))
      ->capture_default_str();
  app->add_option("--weight-decay", o->weight_decay, "L2 weight decay of the weights")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app->add_option("--patience", o->patience,
                  "Stop after this many epochs without a better validation loss (0: never)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app->add_option("--hidden", o->hidden, "sparse-autoencoder: code size")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app->add_flag("--no-normalise", o->no_normalise,
                "Feed the images as the dataset gives them (default: standardise each channel by "
                "the training data's mean and std, recorded in the model)");
  app->add_option("--test", o->test, "Test dataset, evaluated once after training");
  return {app, [o](Session& session) { return run_train(*o, session); }};
}

}  // namespace lumen::cli
