#include <unistd.h>

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
#include "temp_dir.hpp"
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

TEST_CASE("a descriptor ending before a later field loads without it", "[loader]") {
  Registry registry;
  load_plugin(registry, fixture("no_api_field"));
  REQUIRE(registry.plugins().size() == 1);
  CHECK(registry.plugins().front().api_version == 0);
  CHECK(registry.explainer("fixture-no-api-field"));
  Registry current;
  load_plugin(current, fixture("good"));
  CHECK(current.plugins().front().api_version == LUMEN_API_VERSION);
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
  SECTION("a newer API version than this lumen's") {
    const auto m = refusal("newer_api");
    CHECK_THAT(m, Catch::Contains("liblumen-fixture-newer_api.so") &&
                      Catch::Contains("API " + std::to_string(LUMEN_ABI_VERSION) + "." +
                                      std::to_string(LUMEN_API_VERSION + 3)) &&
                      Catch::Contains("newer than this lumen's"));
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
  SECTION("a plugin cut short, refused before it is mapped") {
    const lumen::testing::TempDir dir;
    const fs::path cut = dir.path / "liblumen-cut.so";
    fs::copy_file(fixture("good"), cut);
    fs::resize_file(cut, 5000);
    Registry registry;
    CHECK_THROWS_WITH(load_plugin(registry, cut), Catch::Contains(cut.string()) &&
                                                      Catch::Contains("cannot be loaded") &&
                                                      Catch::Contains("truncated"));
    CHECK(registry.plugins().empty());
  }
  SECTION("a loop of symbolic links and a dangling one") {
    const lumen::testing::TempDir dir;
    fs::create_symlink("liblumen-loop.so", dir.path / "liblumen-loop.so");
    fs::create_symlink("missing.so", dir.path / "liblumen-dangling.so");
    Registry registry;
    CHECK_THROWS_WITH(load_plugin(registry, dir.path / "liblumen-loop.so"),
                      Catch::Contains("liblumen-loop.so: cannot be read"));
    CHECK_THROWS_WITH(load_plugin(registry, dir.path / "liblumen-dangling.so"),
                      Catch::Contains("liblumen-dangling.so: a dangling symbolic link"));
  }
  SECTION("a directory") {
    const lumen::testing::TempDir dir;
    Registry registry;
    CHECK_THROWS_WITH(load_plugin(registry, dir.path),
                      Catch::Contains(dir.path.string() + ": not a regular file"));
  }
  SECTION("a missing file") {
    Registry registry;
    CHECK_THROWS_WITH(load_plugin(registry, "/nonexistent/liblumen-x.so"),
                      Catch::Contains("/nonexistent/liblumen-x.so"));
  }
}

TEST_CASE("LUMEN_PLUGIN_PATH is searched after lumen's own plugins, and failures hide nothing",
          "[loader]") {
  const fs::path dir = fs::temp_directory_path() / "lumen-plugin-path-test";
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::copy_file(fixture("good"), dir / "liblumen-fixture-good.so");
  fs::copy_file(fixture("wrong_abi"), dir / "liblumen-fixture-wrong_abi.so");
  ::setenv("LUMEN_PLUGIN_PATH", dir.c_str(), 1);
  const auto path = plugin_search_path();
  REQUIRE(path.size() >= 2);
  CHECK(path.back() == dir);
  CHECK(path.front() != dir);
  Registry registry;
  const auto failures = load_plugins(registry);
  ::setenv("LUMEN_PLUGIN_PATH", "", 1);
  REQUIRE(failures.size() == 1);
  CHECK(failures[0].file.filename() == "liblumen-fixture-wrong_abi.so");
  CHECK(registry.explainer("fixture-good")->info().name == "fixture-good");
  // The build's own plugins come first, from the directory next to liblumen_core.so.
  CHECK(registry.backend("cpu-blas")->info().name == "cpu-blas");
  fs::remove_all(dir);
}

TEST_CASE(
    "a plugin on the path that registers a built-in name is refused unless overrides are "
    "allowed",
    "[loader]") {
  const fs::path shadow = fs::path(LUMEN_FIXTURE_DIR) / "shadow";
  const fs::path shadow_file = shadow / "liblumen-fixture-shadow-grad-cam.so";
  ::setenv("LUMEN_PLUGIN_PATH", shadow.c_str(), 1);
  ::unsetenv("LUMEN_ALLOW_OVERRIDE");
  Registry refusing;
  const auto failures = load_plugins(refusing);
  REQUIRE(failures.size() == 1);
  CHECK(failures[0].file == shadow_file);
  const std::string built_in = refusing.file_of("explainer", "grad-cam");
  CHECK_THAT(built_in, Catch::Contains("gradient-cams"));
  CHECK_THAT(failures[0].reason,
             Catch::Contains("explainer 'grad-cam'") && Catch::Contains(built_in) &&
                 Catch::Contains(shadow_file.string()) && Catch::Contains("--allow-override"));
  // The built-in plugin stays whole.
  CHECK(refusing.file_of("explainer", "grad-cam-pp") == built_in);

  for (const bool by_environment : {false, true}) {
    Registry overriding;
    if (by_environment) {
      ::setenv("LUMEN_ALLOW_OVERRIDE", "1", 1);
    } else {
      overriding.set_allow_override(true);
    }
    CHECK(load_plugins(overriding).empty());
    ::unsetenv("LUMEN_ALLOW_OVERRIDE");
    CHECK(overriding.file_of("explainer", "grad-cam") == shadow_file.string());
    CHECK(overriding.explainer("grad-cam")->info().summary == "test fixture");
    CHECK(overriding.file_of("explainer", "grad-cam-pp") == built_in);
  }
  ::setenv("LUMEN_PLUGIN_PATH", "", 1);
}

namespace {

// load_plugins with LUMEN_PLUGIN_PATH set to `path`; the good plugins must still load.
std::vector<PluginFailure> load_from(const std::string& path, Registry& registry) {
  ::setenv("LUMEN_PLUGIN_PATH", path.c_str(), 1);
  auto failures = load_plugins(registry);
  ::setenv("LUMEN_PLUGIN_PATH", "", 1);
  CHECK(registry.explainer("fixture-good")->info().name == "fixture-good");
  CHECK(registry.backend("cpu-blas")->info().name == "cpu-blas");
  return failures;
}

std::string failure_of(const std::vector<PluginFailure>& failures, const fs::path& file) {
  for (const auto& f : failures) {
    if (f.file == file) return f.reason;
  }
  FAIL("no failure for " << file);
  return {};
}

}  // namespace

TEST_CASE("entries of the plugin path that cannot be loaded are refused one by one", "[loader]") {
  const lumen::testing::TempDir dir;
  fs::copy_file(fixture("good"), dir.path / "liblumen-fixture-good.so");
  for (const std::uintmax_t size : {0, 63, 64, 5000}) {
    const auto cut = dir.path / ("liblumen-cut-" + std::to_string(size) + ".so");
    fs::copy_file(fixture("good"), cut);
    fs::resize_file(cut, size);
  }
  fs::create_symlink("liblumen-loop.so", dir.path / "liblumen-loop.so");
  fs::create_symlink("missing.so", dir.path / "liblumen-dangling.so");
  fs::create_directory(dir.path / "liblumen-directory.so");
  std::ofstream(dir.path / "liblumen-text.so") << "not an ELF file";
  std::ofstream(dir.path / "unrelated.txt") << "not a plugin name: not looked at";

  Registry registry;
  const auto failures = load_from(dir.path, registry);
  CHECK(failures.size() == 8);
  for (const auto& f : failures) CHECK_THAT(f.reason, Catch::Contains(f.file.string()));
  const auto reason = [&](const std::string& name) {
    return failure_of(failures, dir.path / name);
  };
  CHECK_THAT(reason("liblumen-cut-0.so"), Catch::Contains("not an ELF file"));
  CHECK_THAT(reason("liblumen-cut-63.so"), Catch::Contains("shorter than an ELF header"));
  CHECK_THAT(reason("liblumen-cut-64.so"), Catch::Contains("program header table"));
  CHECK_THAT(reason("liblumen-cut-5000.so"), Catch::Contains("truncated"));
  CHECK_THAT(reason("liblumen-loop.so"), Catch::Contains("cannot be read"));
  CHECK_THAT(reason("liblumen-dangling.so"), Catch::Contains("dangling symbolic link"));
  CHECK_THAT(reason("liblumen-directory.so"), Catch::Contains("not a regular file"));
  CHECK_THAT(reason("liblumen-text.so"), Catch::Contains("not an ELF file"));
}

TEST_CASE("directories of the plugin path that cannot be listed are refused by name", "[loader]") {
  const lumen::testing::TempDir dir;
  fs::copy_file(fixture("good"), dir.path / "liblumen-fixture-good.so");
  const auto loop = dir.path / "loop";
  fs::create_symlink("loop", loop);
  const auto locked = dir.path / "locked";
  fs::create_directory(locked);
  fs::permissions(locked, fs::perms::none);
  Registry registry;
  const auto failures =
      load_from(loop.string() + ":" + locked.string() + ":" + dir.path.string(), registry);
  fs::permissions(locked, fs::perms::owner_all);
  CHECK_THAT(failure_of(failures, loop), Catch::Contains(loop.string() + ": cannot be read") &&
                                             Catch::Contains("(from LUMEN_PLUGIN_PATH)"));
  if (::geteuid() == 0) {
    WARN("skipped the unreadable directory: running as root, which reads every directory");
    CHECK(failures.size() == 1);
  } else {
    CHECK_THAT(failure_of(failures, locked),
               Catch::Contains(locked.string() + ": cannot be listed"));
    CHECK(failures.size() == 2);
  }
}
