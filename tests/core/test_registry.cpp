#include <algorithm>
#include <catch2/catch.hpp>
#include <lumen/backend.hpp>
#include <lumen/error.hpp>
#include <lumen/explainer.hpp>
#include <lumen/importer.hpp>
#include <set>

#include "test_registry.hpp"

using namespace lumen;

TEST_CASE("the build's plugins register the foundation's items, each from its own library",
          "[registry]") {
  // A plugin may register a small family (alpha-beta and zplus; gradient-cams registers grad-cam
  // with the CAMs that differ from it only in their weights, so it is not in the list below); the
  // other foundation items each come alone from their own library.
  const Registry& r = testing::registry();
  for (const char* name : {"saliency", "grad-cam", "lrp"})
    CHECK(r.explainer(name)->info().name == name);
  CHECK(r.backend("cpu-blas")->info().name == "cpu-blas");
  CHECK(r.importer("onnx")->info().name == "onnx");
  CHECK(r.rule_info("epsilon").signal == Signal::relevance);
  CHECK(r.rule_info("gradient").signal == Signal::gradient);
  std::set<std::string> files;
  for (const auto& p : r.plugins()) {
    CHECK_FALSE(p.items.empty());
    files.insert(p.file);
  }
  for (const char* item : {"explainer saliency", "explainer lrp", "backend cpu-blas",
                           "importer onnx", "rule epsilon"}) {
    const auto& plugins = r.plugins();
    const auto owner = std::find_if(plugins.begin(), plugins.end(), [&](const PluginRecord& p) {
      return std::find(p.items.begin(), p.items.end(), item) != p.items.end();
    });
    REQUIRE(owner != plugins.end());
    CHECK(owner->items == std::vector<std::string>{item});
  }
  CHECK(files.size() == r.plugins().size());
  CHECK(r.plugins().size() >= 6);
}

TEST_CASE("registry lookups of unknown names list what exists", "[registry]") {
  const Registry& r = testing::registry();
  CHECK_THROWS_WITH(r.explainer("gradcam"),
                    Catch::Contains("no explainer named 'gradcam'") && Catch::Contains("grad-cam"));
  CHECK_THROWS_WITH(r.importer_for("model.pt"),
                    Catch::Contains("model.pt") && Catch::Contains(".onnx"));
  CHECK(r.importer_for("dir/Model.ONNX")->info().name == "onnx");
  CHECK_THROWS_WITH(r.make_rule("epsilon", {{"epsilon", "-2"}}),
                    Catch::Contains("rule 'epsilon'") && Catch::Contains("out of range"));
}
