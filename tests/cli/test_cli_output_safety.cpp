// Nothing is written outside --out, whatever symbolic links it holds, and no command writes over
// one of its inputs.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <set>

#include "cli_runner.hpp"
#include "lumen/io.hpp"

using namespace lumen::cli_test;
using Catch::Contains;
namespace fs = std::filesystem;

namespace {

// Two 32x32 images for the shapes model, labels 0 and 1; returns the dataset spec.
std::string write_dataset(const TempDir& dir) {
  lumen::Tensor x({2, 1, 32, 32}, 0.1F);
  for (std::int64_t i = 12 * 32; i < 20 * 32; ++i) x[i] = 1.0F;
  lumen::write_npy(dir / "x.npy", x);
  lumen::write_npy(dir / "y.npy", lumen::Tensor({2}, {0.0F, 1.0F}));
  return "'npy:" + (dir / "x.npy") + "?labels=" + (dir / "y.npy") + "'";
}

std::string evaluate_args(const std::string& data, const fs::path& out) {
  return "evaluate --model '" + shapes_model() + "' --data " + data +
         " --methods saliency --metrics xai-entropy --out '" + out.string() + "'";
}

void write_text(const fs::path& file, const std::string& text) {
  std::ofstream(file, std::ios::binary) << text;
}

std::set<std::string> names_in(const fs::path& dir) {
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.insert(e.path().filename().string());
  return names;
}

// A refusal: status 1, "lumen: error:", naming every culprit.
void require_refusal(const Run& r, const std::vector<std::string>& culprits) {
  INFO(r.err);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Contains("lumen: error:"));
  for (const auto& c : culprits) CHECK_THAT(r.err, Contains(c));
}

}  // namespace

TEST_CASE("evaluate refuses a gallery that is a link to another directory", "[cli][output]") {
  const TempDir dir, outside;
  const std::string data = write_dataset(dir);
  const fs::path out = dir.path / "out";
  fs::create_directories(out);
  fs::create_directory_symlink(outside.path, out / "gallery");
  require_refusal(run_lumen(evaluate_args(data, out)),
                  {(out / "gallery").string(), "symbolic link"});
  CHECK(fs::is_empty(outside.path));
}

TEST_CASE("evaluate refuses a dangling journal link and creates nothing where it points",
          "[cli][output]") {
  const TempDir dir, outside;
  const std::string data = write_dataset(dir);
  const fs::path out = dir.path / "out";
  fs::create_directories(out);
  fs::create_symlink(outside.path / "journal.jsonl", out / ".journal.jsonl");
  require_refusal(run_lumen(evaluate_args(data, out)),
                  {(out / ".journal.jsonl").string(), "symbolic link"});
  CHECK(fs::is_empty(outside.path));
  CHECK(names_in(out) == std::set<std::string>{".journal.jsonl"});
}

TEST_CASE("evaluate --force does not truncate a file through a journal link", "[cli][output]") {
  const TempDir dir, outside;
  const std::string data = write_dataset(dir);
  const fs::path out = dir.path / "out";
  fs::create_directories(out);
  const std::string precious = "{\"someone else's\": \"file\"}\nsecond line\n";
  write_text(outside.path / "precious.jsonl", precious);
  fs::create_symlink(outside.path / "precious.jsonl", out / ".journal.jsonl");
  require_refusal(run_lumen(evaluate_args(data, out) + " --force"),
                  {(out / ".journal.jsonl").string(), "symbolic link"});
  CHECK(read_text(outside.path / "precious.jsonl") == precious);
}

TEST_CASE("evaluate replaces a link at a result's name instead of writing through it",
          "[cli][output]") {
  const TempDir dir, outside;
  const std::string data = write_dataset(dir);
  const fs::path out = dir.path / "out";
  fs::create_directories(out);
  write_text(outside.path / "precious.csv", "keep me");
  fs::create_symlink(outside.path / "precious.csv", out / "results.csv");
  const Run r = run_lumen(evaluate_args(data, out));
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_FALSE(fs::is_symlink(out / "results.csv"));
  CHECK_THAT(read_text(out / "results.csv"), Contains("saliency"));
  CHECK(read_text(outside.path / "precious.csv") == "keep me");
}

TEST_CASE("explain refuses an --out that is a link, and writes nothing through it",
          "[cli][output]") {
  const TempDir dir, outside;
  write_text(outside.path / "precious.npy", "keep me");
  fs::create_symlink(outside.path / "precious.npy", dir.path / "out.npy");
  require_refusal(
      run_lumen("explain --model '" + shapes_model() + "' --input '" + shapes_image("spot") +
                "' --method saliency --out '" + (dir / "out.npy") + "'"),
      {dir / "out.npy", "symbolic link"});
  CHECK(read_text(outside.path / "precious.npy") == "keep me");
  CHECK(names_in(dir.path) == std::set<std::string>{"out.npy"});
}

TEST_CASE("explain refuses to write over its input or model, naming both", "[cli][output]") {
  const TempDir dir;
  lumen::write_npy(dir / "x.npy", lumen::Tensor({1, 1, 32, 32}, 0.5F));
  const std::string input = read_text(dir / "x.npy");
  auto explain = [&](const std::string& in, const std::string& out, const std::string& extra) {
    return run_lumen("explain --model '" + shapes_model() + "' --input '" + in +
                     "' --method saliency --out '" + out + "'" + extra);
  };
  require_refusal(explain(dir / "x.npy", dir / "x.npy", ""), {dir / "x.npy", "is the input"});
  // The same file by another spelling.
  fs::create_directory(dir.path / "sub");
  require_refusal(explain(dir / "x.npy", dir / "sub/../x.npy", ""), {"x.npy", "is the input"});
  CHECK(read_text(dir / "x.npy") == input);
  // The record (OUT.json) is an output too, and a model is an input.
  fs::copy_file(shapes_model(), dir.path / "m.json");
  require_refusal(
      run_lumen("explain --model '" + (dir / "m.json") + "' --input '" + (dir / "x.npy") +
                "' --method saliency --out '" + (dir / "m.png") + "'"),
      {dir / "m.json", "is the input"});
  // A heatmap's suffixes (--channels none) must not land on the input image either.
  fs::copy_file(shapes_image("spot"), dir.path / "img_c0.png");
  const std::string image = read_text(dir / "img_c0.png");
  require_refusal(explain(dir / "img_c0.png", dir / "img.png", " --channels none"),
                  {dir / "img_c0.png", "is the input"});
  CHECK(read_text(dir / "img_c0.png") == image);
  CHECK(names_in(dir.path) == std::set<std::string>{"x.npy", "sub", "m.json", "img_c0.png"});
}

TEST_CASE("every command with an output refuses one that is an input", "[cli][output]") {
  const TempDir dir;
  const std::string data = write_dataset(dir);
  const std::string x = read_text(dir / "x.npy");
  // evaluate: --out is the model, or the data.
  fs::copy_file(shapes_model(), dir.path / "model.onnx");
  const std::string model = read_text(dir / "model.onnx");
  require_refusal(
      run_lumen("evaluate --model '" + (dir / "model.onnx") + "' --data " + data +
                " --methods saliency --metrics xai-entropy --out '" + (dir / "model.onnx") + "'"),
      {dir / "model.onnx", "is the input"});
  require_refusal(run_lumen(evaluate_args(data, dir.path / "x.npy")), {dir / "x.npy"});
  // train: --out is the training data (an .npy array named .onnx).
  fs::copy_file(dir.path / "x.npy", dir.path / "data.onnx");
  require_refusal(run_lumen("train --arch sar-cnn --epochs 1 --data 'npy:" + (dir / "data.onnx") +
                            "?labels=" + (dir / "y.npy") + "' --out '" + (dir / "data.onnx") + "'"),
                  {dir / "data.onnx", "is the input"});
  // data synth and protocol: --out is the folder they read.
  fs::create_directories(dir.path / "folder" / "a");
  require_refusal(run_lumen("data synth --data 'folder:" + (dir / "folder") + "' --out '" +
                            (dir / "folder") + "'"),
                  {dir / "folder", "is the input"});
  require_refusal(run_lumen("protocol cnn-lrp --data 'folder:" + (dir / "folder") + "' --out '" +
                            (dir / "folder") + "'"),
                  {dir / "folder", "is the input"});
  // bench: --json is the model.
  require_refusal(run_lumen("bench --model '" + (dir / "model.onnx") +
                            "' --methods saliency --json '" + (dir / "model.onnx") + "'"),
                  {dir / "model.onnx", "is the input"});
  // demo: --out is the bundled model.
  fs::create_directories(dir.path / "examples" / "sar");
  fs::copy_file(shapes_model(), dir.path / "examples" / "sar" / "model.onnx");
  require_refusal(run_lumen("demo --out '" + (dir / "examples/sar/model.onnx") + "'",
                            "LUMEN_EXAMPLES_DIR='" + (dir / "examples") + "'"),
                  {"model.onnx", "is the input"});
  CHECK(read_text(dir / "model.onnx") == model);
  CHECK(read_text(dir / "x.npy") == x);
  CHECK(read_text(dir / "data.onnx") == x);
  CHECK(names_in(dir.path / "folder") == std::set<std::string>{"a"});
}
