// Models with dynamic H and W on the command line: built for --input-shape, else for the --input's
// size, else refused with a message naming the model, its input and the dynamic dims.
#include <catch2/catch.hpp>
#include <lumen/io.hpp>
#include <lumen/onnx_writer.hpp>
#include <nlohmann/json.hpp>

#include "cli_runner.hpp"

using namespace lumen::cli_test;
using Catch::Contains;

namespace {

// [batch,3,height,width] (or fixed `h` x `w`) -> Conv 3x3 pad 1 -> GlobalAveragePool ->
// Flatten -> Gemm: four classes, whatever the input's size.
std::string write_model(const TempDir& dir, const std::string& stem, lumen::onnx_writer::Dim h,
                        lumen::onnx_writer::Dim w) {
  const std::string file = dir / (stem + ".onnx");
  using Ints = std::vector<std::int64_t>;
  lumen::Tensor conv({2, 3, 3, 3});
  for (std::int64_t i = 0; i < conv.size(); ++i) conv[i] = 0.01F * static_cast<float>(i % 7 - 3);
  lumen::Tensor fc({4, 2});
  for (std::int64_t i = 0; i < fc.size(); ++i) fc[i] = 0.5F * static_cast<float>(i - 3);
  lumen::onnx_writer::ModelBuilder(13)
      .add_input("image", {"batch", 3, std::move(h), std::move(w)})
      .add_initializer("conv_w", conv)
      .add_initializer("fc_w", fc)
      .add_node("Conv", {"image", "conv_w"}, {"c"},
                {{"kernel_shape", Ints{3, 3}}, {"pads", Ints{1, 1, 1, 1}}}, "conv")
      .add_node("GlobalAveragePool", {"c"}, {"p"}, {}, "pool")
      .add_node("Flatten", {"p"}, {"f"}, {}, "flatten")
      .add_node("Gemm", {"f", "fc_w"}, {"y"}, {{"transB", std::int64_t{1}}}, "fc")
      .add_output("y")
      .save(file);
  return file;
}

std::vector<float> values(const lumen::Tensor& t) { return {t.values().begin(), t.values().end()}; }

}  // namespace

TEST_CASE("a model with dynamic H and W is built for the size --input-shape gives", "[cli]") {
  const TempDir dir;
  const std::string model = write_model(dir, "dynamic", "height", "width");
  const Run shown = run_lumen("inspect '" + model + "' --input-shape 3,20,12");
  INFO(shown.err);
  REQUIRE(shown.exit_code == 0);
  CHECK_THAT(shown.out, Contains("input: [1,3,20,12] (image)"));
  CHECK_THAT(run_lumen("inspect '" + model + "' --input-shape 9,7").out,
             Contains("input: [1,3,9,7]"));

  // Without a shape: an error naming the model, the input and its dynamic dims.
  const Run refused = run_lumen("inspect '" + model + "'");
  CHECK(refused.exit_code == 1);
  CHECK_THAT(refused.err, Contains(model) && Contains("graph input 'image'") &&
                              Contains("[batch,3,height,width]") &&
                              Contains("dynamic H 'height', W 'width'") &&
                              Contains("--input-shape"));
  // A fixed dim asked otherwise: both shapes named.
  const Run wrong_c = run_lumen("inspect '" + model + "' --input-shape 1,8,8");
  CHECK(wrong_c.exit_code == 1);
  CHECK_THAT(wrong_c.err, Contains("fixing C = 3") && Contains("[1,8,8]"));
  const std::string fixed = write_model(dir, "fixed", std::int64_t{16}, std::int64_t{16});
  const Run wrong_size = run_lumen("inspect '" + fixed + "' --input-shape 3,20,12");
  CHECK(wrong_size.exit_code == 1);
  CHECK_THAT(wrong_size.err, Contains(fixed) && Contains("[batch,3,16,16]") &&
                                 Contains("fixing H = 16") && Contains("[3,20,12]"));
  CHECK(run_lumen("inspect '" + fixed + "' --input-shape 16,16").exit_code == 0);
  // Malformed shapes are usage errors.
  for (const char* bad : {"3,0,8", "8", "1,2,3,4", "3,x,8", "3,,8"}) {
    CAPTURE(bad);
    const Run r = run_lumen("inspect '" + model + "' --input-shape '" + bad + "'");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Contains("--input-shape"));
  }
}

TEST_CASE("without --input-shape a dynamic model takes the size of its --input", "[cli]") {
  const TempDir dir;
  const std::string model = write_model(dir, "dynamic", "height", "width");
  const std::string npy = dir / "x.npy";
  lumen::Tensor x({2, 3, 10, 14});
  for (std::int64_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 11) / 11.0F;
  lumen::write_npy(npy, x);
  const std::string predict = "predict --json --model '" + model + "' --input '" + npy + "'";
  const Run own = run_lumen(predict);
  INFO(own.err);
  REQUIRE(own.exit_code == 0);
  // The same logits as with the size given explicitly.
  const Run given = run_lumen(predict + " --input-shape 10,14");
  REQUIRE(given.exit_code == 0);
  CHECK(nlohmann::json::parse(own.out) == nlohmann::json::parse(given.out));
  // An --input-shape other than the array's: the array does not fit the model built.
  const Run other = run_lumen(predict + " --input-shape 12,12");
  CHECK(other.exit_code == 1);
  CHECK_THAT(other.err, Contains("has shape [2,3,10,14]") && Contains("[N,3,12,12]"));

  // An image: its own size, or 224x224 after --preprocess imagenet.
  const std::string image = dir / "photo.png";
  lumen::write_image_png(image, lumen::Tensor({3, 18, 30}, 0.25F));
  const std::string explain = "explain --model '" + model + "' --input '" + image +
                              "' --method saliency --mean 0.5,0.5,0.5 --std 1,1,1 --out ";
  const Run stretched = run_lumen(explain + "'" + (dir / "a.npy") + "'");
  INFO(stretched.err);
  REQUIRE(stretched.exit_code == 0);
  CHECK(lumen::read_npy(dir / "a.npy").shape() == lumen::Shape{1, 3, 18, 30});
  const Run cropped = run_lumen(explain + "'" + (dir / "b.npy") + "' --preprocess imagenet");
  INFO(cropped.err);
  REQUIRE(cropped.exit_code == 0);
  CHECK(lumen::read_npy(dir / "b.npy").shape() == lumen::Shape{1, 3, 224, 224});
  // A model whose metadata says imagenet is built for the crop without the flag; the flag wins.
  const std::string annotated = dir / "annotated.onnx";
  REQUIRE(run_lumen("annotate '" + model + "' --out '" + annotated +
                    "' --preprocess imagenet --input-shape 3,9,9")
              .exit_code == 0);
  const std::string explain_annotated = "explain --model '" + annotated + "' --input '" + image +
                                        "' --method saliency --mean 0.5,0.5,0.5 --std 1,1,1 --out ";
  const Run by_metadata = run_lumen(explain_annotated + "'" + (dir / "c.npy") + "'");
  INFO(by_metadata.err);
  REQUIRE(by_metadata.exit_code == 0);
  CHECK(lumen::read_npy(dir / "c.npy").shape() == lumen::Shape{1, 3, 224, 224});
  CHECK(values(lumen::read_npy(dir / "c.npy")) == values(lumen::read_npy(dir / "b.npy")));
  REQUIRE(
      run_lumen(explain_annotated + "'" + (dir / "d.npy") + "' --preprocess stretch").exit_code ==
      0);
  CHECK(lumen::read_npy(dir / "d.npy").shape() == lumen::Shape{1, 3, 18, 30});
  // Without an input (random images of bench, a dataset) the shape must be given.
  const Run bench = run_lumen("bench --model '" + model + "' --methods saliency --images 1");
  CHECK(bench.exit_code == 1);
  CHECK_THAT(bench.err, Contains("--input-shape"));
  CHECK(run_lumen("bench --model '" + model +
                  "' --methods saliency --images 1 --warmup 0 --input-shape 3,9,9")
            .exit_code == 0);
}
