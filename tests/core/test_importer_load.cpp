// Importer::load checks the options and what read() built: an importer of fixed-size models may
// ignore ImportOptions, and a requested shape it cannot honour is still refused, naming both.
#include <catch2/catch.hpp>
#include <lumen/error.hpp>
#include <lumen/importer.hpp>

#include "gradcheck.hpp"
#include "linear_model.hpp"

using namespace lumen;
using Catch::Contains;

namespace {

// Reads every file as a [3, 4, 6] linear classifier, ignoring the options; counts its reads.
class FixedImporter final : public Importer {
 public:
  ImporterInfo info() const override { return {"fixed", "test importer", {".fixed"}}; }
  mutable int reads = 0;

 protected:
  Model read(const std::filesystem::path&, const ImportOptions&) const override {
    ++reads;
    return testing::linear_classifier({3, 4, 6}, testing::random_tensor({2, 72}, 1));
  }
};

ImportOptions asking(Shape shape) { return {std::move(shape), {}}; }

}  // namespace

TEST_CASE("Importer::load refuses a requested shape the model does not have", "[importer]") {
  const FixedImporter importer;
  CHECK(importer.load("m.fixed").input_spec().sample_shape == Shape{3, 4, 6});
  CHECK(importer.load("m.fixed", asking({3, 4, 6})).input_spec().sample_shape == Shape{3, 4, 6});
  CHECK(importer.load("m.fixed", asking({4, 6})).input_spec().sample_shape == Shape{3, 4, 6});
  // A fallback is only the data's size: a fixed model keeps its own.
  CHECK(importer.load("m.fixed", {{}, {9, 9}}).input_spec().sample_shape == Shape{3, 4, 6});
  CHECK_THROWS_WITH(importer.load("m.fixed", asking({3, 8, 8})),
                    Contains("m.fixed") && Contains("fixed shape [3,4,6]") &&
                        Contains("requested input shape [3,8,8] differs"));
  CHECK_THROWS_AS(importer.load("m.fixed", asking({5, 6})), ModelError);
  // Malformed shapes are refused before read() runs.
  const int reads = importer.reads;
  CHECK_THROWS_AS(importer.load("m.fixed", asking({3, 0, 6})), InvalidArgument);
  CHECK_THROWS_AS(importer.load("m.fixed", asking({6})), InvalidArgument);
  CHECK_THROWS_WITH(importer.load("m.fixed", {{}, {1, 3, 4, 6}}),
                    Contains("fallback input shape [1,3,4,6]"));
  CHECK(importer.reads == reads);
}
