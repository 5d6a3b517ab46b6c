// `lumen annotate`: normalisation and labels written into an ONNX model's metadata.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "cli_runner.hpp"

using namespace lumen::cli_test;
using Catch::Contains;

namespace {

// [N,3,8,8] -> Flatten -> Gemm: three classes, no metadata.
std::string bare_model(const TempDir& dir) {
  const std::string file = dir / "bare.onnx";
  write_flat_model(file, 3, 8, 3);
  return file;
}

}  // namespace

TEST_CASE("lumen annotate writes normalisation and labels that lumen then uses", "[cli]") {
  const TempDir dir;
  const std::string model = bare_model(dir);
  { std::ofstream(dir / "labels.txt") << "cat\ndog\nbird\n"; }
  const std::string out = dir / "annotated.onnx";
  const Run r = run_lumen("annotate '" + model + "' --out '" + out +
                          "' --preset imagenet --labels '" + (dir / "labels.txt") + "'");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("lumen.mean = 0.485,0.456,0.406") &&
                        Contains("lumen.std = 0.229,0.224,0.225") &&
                        Contains(R"(lumen.labels = ["cat","dog","bird"])") &&
                        Contains("wrote " + out));
  const Run shown = run_lumen("inspect '" + out + "'");
  REQUIRE(shown.exit_code == 0);
  CHECK_THAT(shown.out,
             Contains("mean 0.485,0.456,0.406, std 0.229,0.224,0.225") && Contains("  2: bird"));
  // The image is normalised by the model's own metadata now: no warning.
  const Run predicted =
      run_lumen("predict --model '" + out + "' --input '" + shapes_image("spot") + "'");
  REQUIRE(predicted.exit_code == 0);
  CHECK_THAT(predicted.err, !Contains("warning"));
  CHECK_THAT(predicted.out, Contains("cat") || Contains("dog") || Contains("bird"));

  // Given values replace earlier ones; a JSON array of labels is read too.
  { std::ofstream(dir / "labels.json") << R"(["a", "b", "c"])"; }
  const std::string again = dir / "again.onnx";
  REQUIRE(run_lumen("annotate '" + out + "' --out '" + again +
                    "' --mean 0.5,0.5,0.5 --std 1,2,4 "
                    "--labels '" +
                    (dir / "labels.json") + "'")
              .exit_code == 0);
  const Run replaced = run_lumen("inspect '" + again + "'");
  CHECK_THAT(replaced.out, Contains("mean 0.5,0.5,0.5, std 1,2,4") && Contains("  0: a"));
}

TEST_CASE("lumen annotate refuses what the model cannot take, and writes nothing", "[cli]") {
  const TempDir dir;
  const std::string model = bare_model(dir);
  const std::string out = dir / "out.onnx";
  {
    std::ofstream(dir / "two.txt") << "a\nb\n";
    std::ofstream(dir / "gap.txt") << "a\n\nb\n";
  }
  const std::string base = "annotate '" + model + "' --out '" + out + "' ";
  struct Case {
    std::string args;
    int code;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {"--mean 0.5,0.5 --std 1,1", 1,
            "mean (0.5,0.5) has 2 values but the model's input has 3"},
           {"--mean 0.5,0.5,0.5 --std 1,0,1", 1, "std (1,0,1) must be positive"},
           {"--mean 0.5,0.5,0.5", 2, "give --mean and --std together"},
           {"", 2, "nothing to write"},
           {"--labels '" + (dir / "two.txt") + "'", 1, "has 2 labels but the model has 3 classes"},
           {"--labels '" + (dir / "gap.txt") + "'", 1, "line 2: an empty label"},
           {"--labels '" + (dir / "none.txt") + "'", 1, "cannot read"},
       }) {
    INFO(c.args);
    const Run r = run_lumen(base + c.args);
    CHECK(r.exit_code == c.code);
    CHECK_THAT(r.err, Contains(c.message));
    CHECK_FALSE(std::filesystem::exists(out));
  }
  const Run same = run_lumen("annotate '" + model + "' --out '" + model + "' --preset imagenet");
  CHECK(same.exit_code == 1);
  CHECK_THAT(same.err, Contains("it is the input"));
}
