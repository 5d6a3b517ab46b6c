#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <lumen/error.hpp>
#include <lumen/explainer.hpp>
#include <lumen/plugin.hpp>
#include <lumen/plugin_loader.hpp>
#include <lumen/registry.hpp>

#include "naive_backend.hpp"
#include "test_models.hpp"

using namespace lumen;
namespace fs = std::filesystem;

namespace {

fs::path fixture(const std::string& name) {
  return fs::path(LUMEN_FIXTURE_DIR) / ("liblumen-fixture-" + name + ".so");
}

std::string refusal(const std::string& name) {
  Registry registry;
  try {
    load_plugin(registry, fixture(name));
  } catch (const PluginError& e) {
    CHECK(registry.plugins().empty());
    return e.what();
  }
  FAIL("fixture " << name << " was loaded");
  return {};
}

}  // namespace

TEST_CASE("the loader loads a good plugin and records what it registered", "[loader]") {
  Registry registry;
  load_plugin(registry, fixture("good"));
  REQUIRE(registry.plugins().size() == 1);
  CHECK(registry.plugins()[0].name == "fixture-good");
  CHECK(registry.plugins()[0].items == std::vector<std::string>{"explainer fixture-good"});
  CHECK(registry.explainer("fixture-good")->info().summary == "test fixture");
}

TEST_CASE("exceptions thrown inside a plugin are caught by type in the host", "[loader]") {
  Registry registry;
  load_plugin(registry, fixture("good"));
  auto e = registry.explainer("fixture-good");
  const Model model = testing::dense_net(1);
  const Tensor x = testing::random_tensor(model.batch_shape(1), 1);
  const std::vector<std::int64_t> targets{0};
  const Params params;
  Context context(testing::naive_backend());
  // The fixture throws lumen::InvalidArgument from its own shared object.
  CHECK_THROWS_AS(e->explain({model, x, targets, params, std::nullopt}, context), InvalidArgument);
}

TEST_CASE("objects from a plugin outlive the registry that loaded it", "[loader]") {
  std::shared_ptr<const Explainer> kept;
  {
    Registry registry;
    load_plugin(registry, fixture("good"));
    kept = registry.explainer("fixture-good");
  }
  CHECK(kept->info().name == "fixture-good");  // the library is still loaded
}

TEST_CASE("each broken plugin is refused with a message naming the file and the fault",
          "[loader]") {
  SECTION("a library without the entry point") {
    const auto m = refusal("no_entry");
    CHECK_THAT(m, Catch::Contains("liblumen-fixture-no_entry.so") &&
                      Catch::Contains("lumen_plugin_entry"));
  }
  SECTION("another ABI version") {
    const auto m = refusal("wrong_abi");
    CHECK_THAT(m, Catch::Contains("liblumen-fixture-wrong_abi.so") &&
                      Catch::Contains("ABI version " + std::to_string(LUMEN_ABI_VERSION + 41)));
  }
  SECTION("another toolchain") {
    const auto m = refusal("wrong_toolchain");
    CHECK_THAT(
        m, Catch::Contains("liblumen-fixture-wrong_toolchain.so") && Catch::Contains("libc++-15"));
  }
  SECTION("a descriptor too short") {
    CHECK_THAT(refusal("short_descriptor"), Catch::Contains("descriptor is missing or too short"));
  }
  SECTION("a registration that throws leaves nothing registered") {
    Registry registry;
    CHECK_THROWS_WITH(load_plugin(registry, fixture("throwing_register")),
                      Catch::Contains("liblumen-fixture-throwing_register.so") &&
                          Catch::Contains("fails on purpose"));
    CHECK(registry.explainer_names().empty());
    CHECK(registry.plugins().empty());
  }
  SECTION("a name another plugin registered, both named") {
    Registry registry;
    load_plugin(registry, fixture("duplicate_a"));
    CHECK_THROWS_WITH(load_plugin(registry, fixture("duplicate_b")),
                      Catch::Contains("fixture-duplicate-a") &&
                          Catch::Contains("fixture-duplicate-b") &&
                          Catch::Contains("'fixture-duplicate'"));
    CHECK(registry.plugins().size() == 1);
  }
  SECTION("a file that is not a shared library") {
    const fs::path garbage = fs::temp_directory_path() / "liblumen-garbage.so";
    std::ofstream(garbage) << "not an ELF file";
    Registry registry;
    CHECK_THROWS_WITH(load_plugin(registry, garbage), Catch::Contains("liblumen-garbage.so") &&
                                                          Catch::Contains("cannot be loaded"));
    fs::remove(garbage);
  }
  SECTION("a missing file") {
    Registry registry;
    CHECK_THROWS_WITH(load_plugin(registry, "/nonexistent/liblumen-x.so"),
                      Catch::Contains("/nonexistent/liblumen-x.so"));
  }
}

TEST_CASE("LUMEN_PLUGIN_PATH is searched first and failures do not hide good plugins", "[loader]") {
  const fs::path dir = fs::temp_directory_path() / "lumen-plugin-path-test";
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::copy_file(fixture("good"), dir / "liblumen-fixture-good.so");
  fs::copy_file(fixture("wrong_abi"), dir / "liblumen-fixture-wrong_abi.so");
  ::setenv("LUMEN_PLUGIN_PATH", dir.c_str(), 1);
  const auto path = plugin_search_path();
  REQUIRE(!path.empty());
  CHECK(path.front() == dir);
  Registry registry;
  const auto failures = load_plugins(registry);
  ::setenv("LUMEN_PLUGIN_PATH", "", 1);
  REQUIRE(failures.size() == 1);
  CHECK(failures[0].file.filename() == "liblumen-fixture-wrong_abi.so");
  CHECK(registry.explainer("fixture-good")->info().name == "fixture-good");
  // The build's own plugins come after, from the directory next to liblumen_core.so.
  CHECK(registry.backend("cpu-blas")->info().name == "cpu-blas");
  fs::remove_all(dir);
}
