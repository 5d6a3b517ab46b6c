// The built plugin registers the importer under "onnx" for ".onnx" files.
#include <catch2/catch.hpp>

#include "lumen/importer.hpp"
#include "lumen/plugin_loader.hpp"
#include "lumen/registry.hpp"
#include "onnx_test_util.hpp"

using namespace lumen;
using namespace lumen::onnx_test;

TEST_CASE("the plugin registers the ONNX importer", "[onnx]") {
  Registry registry;
  load_plugin(registry, LUMEN_ONNX_PLUGIN_FILE);
  REQUIRE(registry.importer_names() == std::vector<std::string>{"onnx"});
  const auto importer = registry.importer_for("some/dir/Model.ONNX");
  CHECK(importer->info().name == "onnx");
  CHECK(importer->info().extensions == std::vector<std::string>{".onnx"});

  ModelBuilder b(13);
  b.add_input("x", {"N", 2, 1, 1}).add_node("Flatten", {"x"}, {"y"}).add_output("y");
  const auto model = importer->load(save_temp(b));
  CHECK(model.class_count() == 2);
}
