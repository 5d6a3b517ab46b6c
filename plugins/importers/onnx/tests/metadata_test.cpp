// metadata_props "lumen.labels", "lumen.mean", "lumen.std" and "lumen.preprocess" fill the
// model's labels and input spec.
#include <catch2/catch.hpp>

#include "onnx_test_util.hpp"

using namespace lumen;
using namespace lumen::onnx_test;
using Catch::Matchers::Contains;

namespace {

// x [N, 3, 1, 1] -> Flatten -> y [N, 3], with metadata.
ModelBuilder with_metadata(const std::vector<std::pair<std::string, std::string>>& props) {
  ModelBuilder b(13);
  b.add_input("x", {"N", 3, 1, 1}).add_node("Flatten", {"x"}, {"y"}).add_output("y");
  for (const auto& [key, value] : props) b.set_metadata(key, value);
  return b;
}

}  // namespace

TEST_CASE("labels come from a JSON array or a comma list", "[onnx]") {
  const std::vector<std::string> expected{"cat", "dog, large", "bird"};
  CHECK(import_model(with_metadata({{"lumen.labels", R"(["cat", "dog, large", "bird"])"}}))
            .labels() == expected);
  CHECK(import_model(with_metadata({{"lumen.labels", " cat,dog ,  bird "}})).labels() ==
        std::vector<std::string>{"cat", "dog", "bird"});
  const auto model = import_model(with_metadata({{"other.key", "ignored"}}));
  CHECK(model.labels().empty());
  CHECK(model.label(2) == "2");
}

TEST_CASE("mean and std fill the input spec", "[onnx]") {
  const auto model = import_model(with_metadata(
      {{"lumen.mean", "0.485, 0.456,0.406"}, {"lumen.std", "[0.229, 0.224, 0.225]"}}));
  CHECK(model.input_spec().mean == std::vector<float>{0.485F, 0.456F, 0.406F});
  CHECK(model.input_spec().std == std::vector<float>{0.229F, 0.224F, 0.225F});
  CHECK(model.input_spec().sample_shape == Shape{3, 1, 1});
  const auto plain = import_model(with_metadata({}));
  CHECK(plain.input_spec().mean.empty());
  CHECK(plain.input_spec().std.empty());
}

TEST_CASE("preprocess fills the input spec", "[onnx]") {
  CHECK(import_model(with_metadata({{"lumen.preprocess", "imagenet"}})).input_spec().preprocess ==
        "imagenet");
  CHECK(import_model(with_metadata({{"lumen.preprocess", " stretch "}})).input_spec().preprocess ==
        "stretch");
  CHECK(import_model(with_metadata({})).input_spec().preprocess.empty());
}

TEST_CASE("malformed metadata is refused naming the key", "[onnx]") {
  CHECK_THAT(import_error(with_metadata({{"lumen.preprocess", "crop"}})),
             Contains("'lumen.preprocess'") && Contains("'crop'") && Contains("stretch, imagenet"));
  CHECK_THAT(import_error(with_metadata({{"lumen.labels", "a,b"}})),
             Contains("2 labels for 3 classes"));
  CHECK_THAT(import_error(with_metadata({{"lumen.labels", "a,,b"}})),
             Contains("'lumen.labels'") && Contains("empty entry"));
  CHECK_THAT(import_error(with_metadata({{"lumen.labels", R"(["a", 2, "c"])"}})),
             Contains("'lumen.labels'") && Contains("non-string"));
  CHECK_THAT(import_error(with_metadata({{"lumen.labels", "[not json"}})), Contains("JSON array"));
  CHECK_THAT(import_error(with_metadata({{"lumen.mean", "0.5,zero,0.5"}})),
             Contains("'lumen.mean'") && Contains("'zero'"));
  CHECK_THAT(import_error(with_metadata({{"lumen.mean", "0.5,0.5"}})),
             Contains("2 values for 3 channels"));
  CHECK_THAT(import_error(with_metadata({{"lumen.std", "1,0,1"}})), Contains("std must be > 0"));
}
