#include <sys/stat.h>
#include <catch2/catch.hpp>
#include <cmath>

#include "cli_runner.hpp"
#include "lumen/io.hpp"

using namespace lumen::cli_test;
using Catch::Contains;

namespace {

// Runs `explain` on the horizontal bar with extra arguments; the run must fail with `code`, say
// "lumen: ..." on stderr naming every culprit, and write nothing.
void require_failure(const std::string& extra, int code, const std::vector<std::string>& culprits,
                     const std::string& input = shapes_image("horizontal-bar"),
                     const std::string& method = "saliency") {
  const TempDir dir;
  INFO(extra);
  const Run r = run_lumen("explain --model '" + shapes_model() + "' --input '" + input +
                          "' --method " + method + " --out '" + (dir / "out.npy") + "' " + extra);
  INFO(r.err);
  CHECK(r.exit_code == code);
  CHECK_THAT(r.err, Contains(code == 1 ? "lumen: error:" : "lumen: usage error:"));
  for (const auto& culprit : culprits) CHECK_THAT(r.err, Contains(culprit));
  CHECK(std::filesystem::is_empty(dir.path));
}

}  // namespace

TEST_CASE("explain refuses bad parameters before doing any work", "[cli]") {
  require_failure("--param abs=maybe", 1, {"abs", "maybe"});
  require_failure("--param steps=10", 1, {"steps", "abs"});  // unknown: lists the accepted ones
  require_failure("--param abs", 1, {"abs", "="});
  require_failure("--param abs=true --param abs=false", 1, {"abs", "twice"});
  require_failure("--param epsilon=-1", 1, {"epsilon", "-1"}, shapes_image("spot"), "lrp");
}

TEST_CASE("explain refuses an unknown method, naming it", "[cli]") {
  require_failure("", 1, {"no-such-method", "saliency"}, shapes_image("spot"), "no-such-method");
}

TEST_CASE("explain refuses a target out of range, naming it", "[cli]") {
  require_failure("--target 7", 1, {"--target 7", "3 classes"});
  require_failure("--target -1", 1, {"--target -1"});
}

TEST_CASE("explain names a missing input or model file", "[cli]") {
  require_failure("", 1, {"/no/such/image.png"}, "/no/such/image.png");
  require_failure("", 1, {"/no/such/array.npy"}, "/no/such/array.npy");
  const TempDir dir;
  const Run r = run_lumen("explain --model /no/such/model.onnx --input '" + shapes_image("spot") +
                          "' --method saliency --out '" + (dir / "o.npy") + "'");
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Contains("/no/such/model.onnx"));
}

TEST_CASE("explain refuses .npy inputs with NaN or the wrong shape, naming the file", "[cli]") {
  const TempDir inputs;
  lumen::Tensor nan_input({1, 1, 32, 32}, 0.5F);
  nan_input[100] = std::nanf("");
  lumen::write_npy(inputs / "nan.npy", nan_input);
  require_failure("", 1, {"nan.npy", "non-finite", "100"}, inputs / "nan.npy");
  lumen::write_npy(inputs / "small.npy", lumen::Tensor({1, 1, 16, 16}, 0.5F));
  require_failure("", 1, {"small.npy", "[1,1,16,16]"}, inputs / "small.npy");
  std::filesystem::copy_file(shapes_image("spot"), inputs / "image.bmp");
  require_failure("", 1, {"image.bmp"}, inputs / "image.bmp");
}

TEST_CASE("explain refuses a finite input that overflows inside the model, naming it", "[cli]") {
  const TempDir inputs;
  lumen::write_npy(inputs / "huge.npy", lumen::Tensor({1, 1, 32, 32}, 3e38F));
  for (const char* method : {"saliency", "lrp"}) {
    require_failure("", 1, {"huge.npy", "sample 0", "not a finite number", "3e+38"},
                    inputs / "huge.npy", method);
  }
}

TEST_CASE("explain refuses options that do not fit the method or input", "[cli]") {
  require_failure("--raw-layer", 2, {"--raw-layer", "saliency"});
  require_failure("--layer conv1", 2, {"--layer", "saliency"});
  require_failure("--layer no_such_node", 1, {"no_such_node"}, shapes_image("spot"), "grad-cam");
  require_failure("--layer conv", 1,
                  {"no node, tensor or module named 'conv'", "closest: conv1, conv2"},
                  shapes_image("spot"), "grad-cam");
  require_failure("--mean 0.5 --std x", 2, {"--std", "x"});
  require_failure("--mean 0.5,0.5 --std 1,1", 1, {"mean", "2 values", "1 channels"});
  const TempDir inputs;
  lumen::write_npy(inputs / "ok.npy", lumen::Tensor({1, 1, 32, 32}, 0.5F));
  require_failure("--mean 0.5 --std 0.2", 2, {"--mean", "ok.npy"}, inputs / "ok.npy");
  require_failure("--preprocess imagenet", 2, {"--preprocess", "ok.npy"}, inputs / "ok.npy");
  const Run unknown =
      run_lumen("explain --model '" + shapes_model() + "' --input '" + shapes_image("spot") +
                "' --method saliency --out x.npy --preprocess crop");
  CHECK(unknown.exit_code == 2);
  CHECK_THAT(unknown.err, Contains("--preprocess: crop not in {stretch,imagenet}"));
  // The shapes model takes 32 x 32 images: a square, so the ImageNet crop applies (32 of 37).
  require_failure("--preprocess imagenet --target 9", 1, {"target", "9"});
}

TEST_CASE("predict and inspect report errors with exit code 1", "[cli]") {
  const Run missing = run_lumen("inspect /no/such/model.onnx");
  CHECK(missing.exit_code == 1);
  CHECK_THAT(missing.err, Contains("lumen: error:") && Contains("/no/such/model.onnx"));
  const TempDir dir;
  std::filesystem::copy_file(shapes_image("spot"), dir / "model.xyz");
  const Run unknown_format = run_lumen("inspect '" + (dir / "model.xyz") + "'");
  CHECK(unknown_format.exit_code == 1);
  CHECK_THAT(unknown_format.err, Contains("model.xyz"));
  const Run bad_backend = run_lumen("--backend warp-drive predict --model '" + shapes_model() +
                                    "' --input '" + shapes_image("spot") + "'");
  CHECK(bad_backend.exit_code == 1);
  CHECK_THAT(bad_backend.err, Contains("warp-drive"));
}

TEST_CASE("explain refuses a FIFO as input or model at once, naming it", "[cli]") {
  const TempDir fifos;
  const std::string input = fifos / "input.npy", model = fifos / "model.onnx";
  REQUIRE(::mkfifo(input.c_str(), 0600) == 0);
  REQUIRE(::mkfifo(model.c_str(), 0600) == 0);
  // Opening either for reading would wait for a writer: the run would never end.
  require_failure("", 1, {input, "not a regular file"}, input);
  const Run r = run_lumen("inspect '" + model + "'");
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Contains(model) && Contains("not a regular file"));
}

TEST_CASE("explain writes the map and its record both or neither", "[cli]") {
  const TempDir dir;
  // A directory where the record would go: the record cannot be written.
  std::filesystem::create_directory(dir.path / "out.json");
  const Run r = run_lumen("explain --model '" + shapes_model() + "' --input '" +
                          shapes_image("horizontal-bar") + "' --method saliency --out '" +
                          (dir / "out.npy") + "'");
  INFO(r.err);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Contains("out.json"));
  CHECK_FALSE(std::filesystem::exists(dir.path / "out.npy"));
}
