// `lumen annotate`: normalisation, preprocessing and labels written into an ONNX model's metadata.
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <lumen/io.hpp>
#include <nlohmann/json.hpp>

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

TEST_CASE("lumen annotate --preprocess stores how images become input, which lumen then applies",
          "[cli]") {
  const TempDir dir;
  const std::string model = bare_model(dir);
  // Brighter to the right, so stretching the whole image and ImageNet's centre crop differ.
  const std::string image = dir / "photo.png";
  lumen::Tensor pixels({3, 20, 30});
  for (std::int64_t i = 0; i < pixels.size(); ++i) {
    const float x = static_cast<float>(i % 30) / 29.0F;
    pixels[i] = x * x;
  }
  lumen::write_image_png(image, pixels);
  const std::string norm = " --mean 0.5,0.4,0.3 --std 0.2,0.25,0.5";
  const std::string annotated = dir / "annotated.onnx";
  const Run written =
      run_lumen("annotate '" + model + "' --out '" + annotated + "' --preprocess imagenet" + norm);
  INFO(written.err);
  REQUIRE(written.exit_code == 0);
  CHECK_THAT(written.out, Contains("lumen.preprocess = imagenet") && Contains("lumen.mean = 0.5"));
  CHECK_THAT(run_lumen("inspect '" + annotated + "'").out, Contains(", preprocess imagenet"));

  // The annotated model without flags: the same logits as the plain one with --preprocess imagenet
  // and the same mean/std; --preprocess given wins over the metadata.
  const auto logits = [&](const std::string& file, const std::string& flags) {
    const Run r =
        run_lumen("predict --json --model '" + file + "' --input '" + image + "'" + flags);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return nlohmann::json::parse(r.out).at("samples");
  };
  const auto by_metadata = logits(annotated, "");
  CHECK(by_metadata == logits(model, " --preprocess imagenet" + norm));
  const auto stretched = logits(model, " --preprocess stretch" + norm);
  CHECK(by_metadata != stretched);
  CHECK(logits(annotated, " --preprocess stretch") == stretched);

  // explain too: the same attribution as the plain model's with --preprocess imagenet.
  const std::string explain = "explain --input '" + image + "' --method saliency --model ";
  REQUIRE(run_lumen(explain + "'" + annotated + "' --out '" + (dir / "a.npy") + "'").exit_code ==
          0);
  REQUIRE(run_lumen(explain + "'" + model + "' --preprocess imagenet" + norm + " --out '" +
                    (dir / "b.npy") + "'")
              .exit_code == 0);
  const lumen::Tensor a = lumen::read_npy(dir / "a.npy"), b = lumen::read_npy(dir / "b.npy");
  CHECK(a.shape() == b.shape());
  CHECK(std::equal(a.values().begin(), a.values().end(), b.values().begin(), b.values().end()));

  // An .npy input is used as is, whatever the model's preprocessing.
  lumen::write_npy(dir / "x.npy", lumen::Tensor({1, 3, 8, 8}, 0.25F));
  const Run npy =
      run_lumen("predict --model '" + annotated + "' --input '" + (dir / "x.npy") + "'");
  INFO(npy.err);
  CHECK(npy.exit_code == 0);

  // --preset imagenet stores imagenet preprocessing too, unless --preprocess says otherwise.
  const Run preset =
      run_lumen("annotate '" + model + "' --out '" + (dir / "p.onnx") + "' --preset imagenet");
  CHECK_THAT(preset.out, Contains("lumen.preprocess = imagenet"));
  const Run overridden = run_lumen("annotate '" + model + "' --out '" + (dir / "s.onnx") +
                                   "' --preset imagenet --preprocess stretch");
  CHECK_THAT(overridden.out, Contains("lumen.preprocess = stretch"));
  CHECK_THAT(
      run_lumen("annotate '" + model + "' --out '" + (dir / "bad.onnx") + "' --preprocess crop")
          .err,
      Contains("--preprocess"));
}
