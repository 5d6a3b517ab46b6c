// The image inputs of the command line: other formats named .png are refused, and so are images
// declaring more pixels than --max-image-pixels (or a dataset's max_pixels), before decoding.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "cli_runner.hpp"
#include "crafted_images.hpp"

using namespace lumen::cli_test;
using Catch::Contains;
namespace fs = std::filesystem;

namespace {

std::string write_file(const TempDir& dir, const std::string& name, const std::string& bytes) {
  const fs::path file = dir.path / name;
  fs::create_directories(file.parent_path());
  std::ofstream(file, std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return file.string();
}

// Runs `explain` on `input` with extra arguments; the run must fail with `code`, naming every
// culprit, and write nothing.
void require_explain_failure(const std::string& input, const std::string& extra, int code,
                             const std::vector<std::string>& culprits) {
  const TempDir out;
  INFO(input << ' ' << extra);
  const Run r = run_lumen("explain --model '" + shapes_model() + "' --input '" + input +
                          "' --method saliency --out '" + (out / "out.npy") + "' " + extra);
  INFO(r.err);
  CHECK(r.exit_code == code);
  for (const auto& culprit : culprits) CHECK_THAT(r.err, Contains(culprit));
  CHECK(fs::is_empty(out.path));
}

}  // namespace

TEST_CASE("explain refuses TGA, BMP, GIF, PSD, HDR and PNM files named .png, naming the format",
          "[cli][images]") {
  using namespace lumen::testing;
  const TempDir dir;
  const std::vector<std::pair<std::string, std::string>> cases{{"TGA", tga_bytes(16000, 16000)},
                                                               {"TGA", rle_tga_bytes(46000, 46000)},
                                                               {"BMP", bmp_bytes()},
                                                               {"GIF", gif_bytes()},
                                                               {"PSD", psd_bytes()},
                                                               {"HDR", hdr_bytes()},
                                                               {"PNM", pnm_bytes()}};
  int index = 0;
  for (const auto& [format, bytes] : cases) {
    const std::string file = write_file(dir, "input" + std::to_string(index++) + ".png", bytes);
    require_explain_failure(file, "", 1,
                            {"lumen: error:", file, "the " + format + " format", "PNG and JPEG"});
  }
}

TEST_CASE("an image declaring more than --max-image-pixels is refused, naming the flag",
          "[cli][images]") {
  const TempDir dir;
  const std::string big = write_file(dir, "big.png", lumen::testing::black_png(20000, 20000));
  require_explain_failure(big, "", 1,
                          {"lumen: error:", big, "20000x20000 = 400000000 pixels",
                           "limit of 67108864", "--max-image-pixels"});
  // The example images are 32x32.
  require_explain_failure(
      shapes_image("spot"), "--max-image-pixels 1000", 1,
      {"spot.png", "32x32 = 1024 pixels", "limit of 1000", "--max-image-pixels"});
  require_explain_failure(shapes_image("spot"), "--max-image-pixels 0", 2, {"--max-image-pixels"});
  const TempDir out;
  const Run at_limit =
      run_lumen("explain --model '" + shapes_model() + "' --input '" + shapes_image("spot") +
                "' --method saliency --max-image-pixels 1024 --out '" + (out / "out.npy") + "'");
  INFO(at_limit.err);
  CHECK(at_limit.exit_code == 0);
  CHECK_THAT(run_lumen("explain --help").out, Contains("--max-image-pixels"));
}

TEST_CASE("predict and bench take --max-image-pixels for --input, and predict --data refuses it",
          "[cli][images]") {
  const std::string model = "--model '" + shapes_model() + "' ";
  const std::string spot = "--input '" + shapes_image("spot") + "' ";
  const Run predict = run_lumen("predict " + model + spot + "--max-image-pixels 100");
  CHECK(predict.exit_code == 1);
  CHECK_THAT(predict.err,
             Contains("spot.png") && Contains("32x32") && Contains("--max-image-pixels"));
  const Run bench =
      run_lumen("bench " + model + spot + "--methods saliency --max-image-pixels 100");
  CHECK(bench.exit_code == 1);
  CHECK_THAT(bench.err, Contains("spot.png") && Contains("--max-image-pixels"));
  const TempDir dir;
  const Run data = run_lumen("predict " + model + "--data 'folder:" + dir.path.string() +
                             "' --max-image-pixels 100");
  CHECK(data.exit_code == 2);
  CHECK_THAT(data.err, Contains("--max-image-pixels") && Contains("--data"));
  for (const char* option : {"--mean", "--std"}) {  // would be ignored: the model's metadata rules
    const Run normalised = run_lumen("predict " + model + "--data 'folder:" + dir.path.string() +
                                     "' " + option + " 0.5");
    CHECK(normalised.exit_code == 2);
    CHECK_THAT(normalised.err, Contains(option) && Contains("--data"));
  }
}

TEST_CASE("an image folder skips images above its max_pixels option, saying how to raise it",
          "[cli][images]") {
  const TempDir dir;
  write_file(dir, "a/small.png", lumen::testing::black_png(32, 32));
  const std::string big = write_file(dir, "b/big.png", lumen::testing::black_png(300, 300));
  const Run r = run_lumen("data info --data 'folder:" + dir.path.string() + "?max_pixels=10000'");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("unreadable: 1") && Contains(big) && Contains("300x300") &&
                        Contains("the dataset option max_pixels"));
  const Run raised = run_lumen("data info --data 'folder:" + dir.path.string() + "'");
  REQUIRE(raised.exit_code == 0);
  CHECK_THAT(raised.out, Contains("unreadable: 0"));
}

TEST_CASE("an image fed without any normalisation is warned about", "[cli]") {
  const TempDir dir;
  const std::string bare = dir / "bare.onnx";  // no lumen.mean / lumen.std metadata
  write_flat_model(bare, 1, 8, 3);
  const std::string image = shapes_image("spot");
  const Run warned = run_lumen("predict --model '" + bare + "' --input '" + image + "'");
  REQUIRE(warned.exit_code == 0);
  CHECK_THAT(warned.err,
             Contains("warning: the image '" + image + "' goes to the model in [0, 1]") &&
                 Contains("--mean/--std"));
  // Normalisation given on the command line, or in the model's metadata: no warning.
  const Run given =
      run_lumen("predict --model '" + bare + "' --input '" + image + "' --mean 0.5 --std 0.25");
  REQUIRE(given.exit_code == 0);
  CHECK_THAT(given.err, !Contains("warning"));
  const Run annotated =
      run_lumen("predict --model '" + shapes_model() + "' --input '" + image + "'");
  REQUIRE(annotated.exit_code == 0);
  CHECK_THAT(annotated.err, !Contains("warning"));
}
