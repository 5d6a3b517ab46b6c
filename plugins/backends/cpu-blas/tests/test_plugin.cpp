#include <catch2/catch.hpp>
#include <vector>

#include "lumen/backend.hpp"
#include "lumen/plugin_loader.hpp"
#include "lumen/registry.hpp"

TEST_CASE("the plugin registers a working cpu-blas backend", "[cpu-blas]") {
  lumen::Registry registry;
  lumen::load_plugin(registry, LUMEN_CPU_BLAS_PLUGIN);
  REQUIRE(registry.plugins().size() == 1);
  CHECK(registry.plugins()[0].name == "cpu-blas");
  CHECK(registry.backend_names() == std::vector<std::string>{"cpu-blas"});
  const auto backend = registry.backend("cpu-blas");
  CHECK(backend->info().name == "cpu-blas");
  // One kernel through the plugin's own object: [1 2; 3 4] [5 6; 7 8] = [19 22; 43 50].
  const std::vector<float> a = {1, 2, 3, 4}, b = {5, 6, 7, 8};
  std::vector<float> c(4);
  backend->gemm(false, false, 2, 2, 2, 1.0F, a.data(), 2, b.data(), 2, 0.0F, c.data(), 2);
  CHECK(c == std::vector<float>{19, 22, 43, 50});
}
