// `lumen train` writes MODEL.onnx and MODEL.json, and `lumen predict --data` on the exported model
// reproduces the accuracies the train command reported.
#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli_runner.hpp"

using namespace lumen::cli_test;
using Catch::Contains;
namespace fs = std::filesystem;

namespace {

const std::string train_spec = "'synthetic-sar:?n=40&classes=2&seed=3&split=train'";
const std::string test_spec = "'synthetic-sar:?n=20&classes=2&seed=3&split=test'";

double predicted_accuracy(const std::string& model, const std::string& spec) {
  const Run r = run_lumen("predict --json --model " + model + " --data " + spec);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto doc = nlohmann::json::parse(r.out);
  std::int64_t total = 0;
  for (const auto& row : doc.at("confusion")) {
    for (const auto& v : row) total += v.get<std::int64_t>();
  }
  CHECK(total == doc.at("samples").get<std::int64_t>());
  return doc.at("accuracy").get<double>();
}

}  // namespace

TEST_CASE("lumen train writes an ONNX model and its record, and predict reproduces the accuracy",
          "[cli][train]") {
  TempDir dir;
  const std::string model = dir / "sub/sar.onnx";
  const Run r = run_lumen("train --arch sar-cnn --data " + train_spec + " --test " + test_spec +
                          " --epochs 2 --val-split 0 --batch-size 8 --lr 0.003 --out " + model +
                          " --seed 4 --threads 2");
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("epoch 1/2") && Contains("epoch 2/2") && Contains("test accuracy"));
  REQUIRE(fs::is_regular_file(model));
  const auto record = nlohmann::json::parse(read_text(dir / "sub/sar.json"));
  for (const char* key : {"command", "arch", "data", "hyper_parameters", "history",
                          "train_accuracy", "validation_accuracy", "test_accuracy", "seconds"}) {
    INFO(key);
    CHECK(record.contains(key));
  }
  CHECK(record.at("arch") == "sar-cnn");
  CHECK_THAT(record.at("command").get<std::string>(),
             Contains("train --arch sar-cnn") && Contains("--epochs 2"));
  CHECK(record.at("history").size() == 2);
  CHECK(record.at("hyper_parameters").at("learning_rate").get<double>() == Approx(0.003));
  CHECK(record.at("hyper_parameters").at("seed") == 4);
  CHECK(record.at("validation_accuracy").is_null());

  CHECK(predicted_accuracy(model, train_spec) == record.at("train_accuracy").get<double>());
  CHECK(predicted_accuracy(model, test_spec) == record.at("test_accuracy").get<double>());

  const Run text = run_lumen("predict --model " + model + " --data " + test_spec);
  CHECK(text.exit_code == 0);
  CHECK_THAT(text.out, Contains("accuracy") && Contains("confusion matrix"));
}

TEST_CASE("lumen train trains the sparse auto-encoder in three stages", "[cli][train]") {
  TempDir dir;
  const std::string model = dir / "sae.onnx";
  const Run r = run_lumen("train --arch sparse-autoencoder --hidden 8 --data " + train_spec +
                          " --epochs 1 --val-split 0.25 --out " + model);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("auto-encoder epoch 1/1") && Contains("classifier epoch 1/1") &&
                        Contains("fine-tuning epoch 1/1"));
  const auto record = nlohmann::json::parse(read_text(dir / "sae.json"));
  CHECK(record.at("autoencoder_history").size() == 1);
  CHECK(record.at("classifier_history").size() == 1);
  CHECK(record.at("history").size() == 1);
  CHECK(record.at("validation_accuracy").is_number());
  // Standardised input by default, recorded in the model; raw pixels with --no-normalise.
  CHECK(record.at("hyper_parameters").at("input_mean").size() == 1);
  const Run raw = run_lumen("train --arch sparse-autoencoder --hidden 8 --data " + train_spec +
                            " --epochs 1 --no-normalise --out " + (dir / "raw.onnx"));
  REQUIRE(raw.exit_code == 0);
  const auto raw_record = nlohmann::json::parse(read_text(dir / "raw.json"));
  CHECK(raw_record.at("hyper_parameters").at("input_mean").empty());
}

TEST_CASE("lumen train refuses an unknown architecture, a bad spec and a non-ONNX output",
          "[cli][train]") {
  TempDir dir;
  const Run arch = run_lumen("train --arch vgg99 --data " + train_spec + " --epochs 1 --out " +
                             (dir / "m.onnx"));
  CHECK(arch.exit_code == 2);
  CHECK_THAT(arch.err, Contains("vgg99") && Contains("sar-cnn"));
  const Run spec =
      run_lumen("train --arch sar-cnn --data nonsense --epochs 1 --out " + (dir / "m.onnx"));
  CHECK(spec.exit_code == 1);
  CHECK_THAT(spec.err, Contains("nonsense"));
  const Run kind = run_lumen("train --arch sar-cnn --data 'no-such-kind:?n=3' --epochs 1 --out " +
                             (dir / "m.onnx"));
  CHECK(kind.exit_code != 0);
  CHECK_THAT(kind.err, Contains("no-such-kind"));
  const Run out = run_lumen("train --arch sar-cnn --data " + train_spec + " --epochs 1 --out " +
                            (dir / "m.pt"));
  CHECK(out.exit_code == 2);
  CHECK_THAT(out.err, Contains("m.pt"));
  CHECK_FALSE(fs::exists(dir / "m.onnx"));
  const Run both = run_lumen("predict --model m.onnx");
  CHECK(both.exit_code != 0);
}
