// The bundled example must be meaningful: each image classified correctly and the explanations
// concentrated on the object.
#include <algorithm>
#include <catch2/catch.hpp>

#include "cli_runner.hpp"
#include "lumen/explainer.hpp"
#include "lumen/importer.hpp"
#include "lumen/io.hpp"
#include "lumen/plugin_loader.hpp"
#include "lumen/registry.hpp"
#include "lumen/trace.hpp"

using namespace lumen::cli_test;
using lumen::Tensor;

namespace {

struct Loaded {
  lumen::Registry registry;
  std::unique_ptr<lumen::Model> model;
  Loaded() {
    REQUIRE(lumen::load_plugins(registry).empty());
    model = std::make_unique<lumen::Model>(registry.importer("onnx")->load(shapes_model()));
  }
};

// The object's pixels (bright, the noise stays below 0.08), grown by `margin` pixels.
std::vector<bool> object_mask(const Tensor& image, std::int64_t margin) {
  const std::int64_t h = image.dim(2), w = image.dim(3);
  std::vector<bool> mask(static_cast<std::size_t>(h * w), false);
  for (std::int64_t y = 0; y < h; ++y) {
    for (std::int64_t x = 0; x < w; ++x) {
      if (image[y * w + x] < 0.3F) continue;
      for (std::int64_t dy = -margin; dy <= margin; ++dy) {
        for (std::int64_t dx = -margin; dx <= margin; ++dx) {
          const std::int64_t yy = y + dy, xx = x + dx;
          if (yy >= 0 && yy < h && xx >= 0 && xx < w)
            mask[static_cast<std::size_t>(yy * w + xx)] = true;
        }
      }
    }
  }
  return mask;
}

// Share of the attribution's absolute mass inside the mask.
double share_inside(const Tensor& map, const std::vector<bool>& mask) {
  double inside = 0.0, total = 0.0;
  for (std::size_t i = 0; i < mask.size(); ++i) {
    const double v = std::abs(map[static_cast<std::int64_t>(i)]);
    total += v;
    if (mask[i]) inside += v;
  }
  return total > 0.0 ? inside / total : 0.0;
}

const std::vector<std::string> labels{"horizontal-bar", "vertical-bar", "spot"};

}  // namespace

TEST_CASE("the shapes example classifies each of its images correctly", "[cli][example]") {
  Loaded l;
  REQUIRE(l.model->labels() == labels);
  REQUIRE(l.model->input_spec().sample_shape == lumen::Shape{1, 32, 32});
  lumen::Context context(l.registry.backend_chain(), 1);
  for (std::int64_t c = 0; c < 3; ++c) {
    INFO(labels[static_cast<std::size_t>(c)]);
    const Tensor image = lumen::read_image(shapes_image(labels[static_cast<std::size_t>(c)]));
    REQUIRE(image.shape() == lumen::Shape{1, 1, 32, 32});
    const Tensor p = lumen::softmax_rows(lumen::predict_logits(*l.model, image, context));
    CHECK(std::max_element(p.values().begin(), p.values().end()) - p.values().begin() == c);
    CHECK(p[c] > 0.95F);
  }
}

TEST_CASE("saliency and grad-cam of the shapes example concentrate on the object",
          "[cli][example]") {
  Loaded l;
  lumen::Context context(l.registry.backend_chain(), 1);
  std::size_t checked = 0;
  for (const char* method : {"saliency", "grad-cam"}) {
    const auto explainer = l.registry.explainer(method);
    const auto info = explainer->info();
    const lumen::Params params = lumen::Params::validate(info.params, {}, info.name);
    for (std::int64_t c = 0; c < 3; ++c) {
      INFO(method << " on " << labels[static_cast<std::size_t>(c)]);
      const Tensor image = lumen::read_image(shapes_image(labels[static_cast<std::size_t>(c)]));
      const std::vector<std::int64_t> targets{c};
      const lumen::Attribution a =
          explainer->explain({*l.model, image, targets, params, std::nullopt}, context);
      // Grad-CAM works at 16x16 and is upsampled, so it may spill a little further.
      const double share = share_inside(a.map, object_mask(image, info.name == "grad-cam" ? 3 : 2));
      CHECK(share > 0.9);
      ++checked;
    }
  }
  CHECK(checked == 6);
}
