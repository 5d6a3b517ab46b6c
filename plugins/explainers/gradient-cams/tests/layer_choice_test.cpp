#include <catch2/catch.hpp>
#include <lumen/error.hpp>

#include "explain_helpers.hpp"
#include "test_models.hpp"

using namespace lumen;
using namespace lumen::testing;

TEST_CASE("every gradient CAM picks the last spatial layer by default and refuses a flat one",
          "[gradient-cams]") {
  const auto model = conv_net(3);
  const Tensor x = random_tensor(model.batch_shape(2), 9);
  for (const char* method :
       {"grad-cam", "grad-cam-pp", "xgrad-cam", "layer-cam", "hires-cam", "smooth-grad-cam-pp"}) {
    INFO(method);
    const auto a = explain(method, model, x, {1, 4});
    REQUIRE(a.layer.has_value());
    CHECK(model.graph().node(*a.layer).name == "features");
    CHECK(a.layer_map.shape() == Shape{2, 1, 4, 4});
    CHECK(a.map.shape() == Shape{2, 1, 8, 8});
    for (float v : a.layer_map.values()) CHECK(v >= 0.0F);
    for (std::int64_t s = 0; s < 2; ++s) {
      const auto one = explain(method, model, x.batch_slice(s), {s == 0 ? 1 : 4});
      CHECK(relative_difference(a.layer_map.batch_slice(s), one.layer_map, 1e-6) < 1e-5);
    }
    CHECK_THROWS_WITH(explain(method, model, x, {1, 4}, {}, model.graph().at("fc")),
                      Catch::Contains("'fc'") && Catch::Contains("spatial"));
  }
}
