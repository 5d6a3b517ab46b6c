#include <catch2/catch.hpp>
#include <lumen/error.hpp>

#include "explain_helpers.hpp"
#include "test_models.hpp"

using namespace lumen;
using namespace lumen::testing;

TEST_CASE("every gradient CAM picks the last spatial layer by default and refuses a flat one",
          "[gradient-cams]") {
  for (const char* method :
       {"grad-cam", "grad-cam-pp", "xgrad-cam", "layer-cam", "hires-cam", "smooth-grad-cam-pp"}) {
    check_default_cam_layer(method);
  }
}
