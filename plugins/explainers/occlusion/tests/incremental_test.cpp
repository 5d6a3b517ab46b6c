#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <lumen/error.hpp>
#include <lumen/layers.hpp>
#include <string>

#include "../sliding_windows.hpp"
#include "explain_helpers.hpp"
#include "local_nets.hpp"
#include "test_models.hpp"

using namespace lumen;
using namespace lumen::testing;

namespace {

using Settings = std::map<std::string, std::string>;

Attribution occlude(const Model& model, const Tensor& x, const std::vector<std::int64_t>& targets,
                    Settings params, const std::string& mode, int threads = 1) {
  params["mode"] = mode;
  return explain("occlusion", model, x, targets, params, std::nullopt, threads);
}

bool fits(const Settings& s, const Shape& sample_shape) {
  try {
    const auto numbers = [](const std::string& text) {
      std::vector<double> out;
      for (std::size_t start = 0; start <= text.size();) {
        const auto comma = std::min(text.find(',', start), text.size());
        out.push_back(std::stod(text.substr(start, comma - start)));
        start = comma + 1;
      }
      return out;
    };
    occlusion::make_sliding_windows(numbers(s.at("window")), numbers(s.at("stride")), sample_shape);
    return true;
  } catch (const InvalidArgument&) {
    return false;
  }
}

bool has_note(const Attribution& a, const std::string& start) {
  for (const auto& note : a.notes) {
    if (note.rfind(start, 0) == 0) return true;
  }
  return false;
}

// max |a - b| over the larger of max |b| and the target logits' largest magnitude. Occlusion maps
// hold differences of logits, whose float rounding is relative to the logits; where windows move
// a logit little (behind global pooling) that is the larger scale.
double map_difference(const Attribution& a, const Attribution& b, const Model& model,
                      const Tensor& x, const std::vector<std::int64_t>& targets) {
  const Tensor scores = logits(model, x);
  const std::int64_t classes = scores.size() / scores.dim(0);
  double scale = 1e-12;
  for (std::size_t n = 0; n < targets.size(); ++n) {
    scale = std::max(scale, std::fabs(static_cast<double>(
                                scores[static_cast<std::int64_t>(n) * classes + targets[n]])));
  }
  return relative_difference(a.map, b.map, scale);
}

// Windows and strides over (c,)h,w: overlapping, side by side, cut at the far edges, over
// channels, covering a whole axis (where any stride is allowed), with non-zero baselines.
const std::vector<Settings> window_settings{
    {{"window", "3,3"}, {"stride", "1,1"}},
    {{"window", "4,5"}, {"stride", "3,2"}, {"baseline", "0.5"}},
    {{"window", "2,2"}, {"stride", "2,2"}},
    {{"window", "1,1"}, {"stride", "1,1"}, {"batch_size", "7"}},
    {{"window", "2,3,3"}, {"stride", "1,2,2"}, {"baseline", "-0.25"}},
    {{"window", "5,40"}, {"stride", "4,40"}},
};

}  // namespace

TEST_CASE("incremental occlusion equals plain occlusion on local layers of every geometry",
          "[occlusion][incremental]") {
  const std::vector<std::pair<std::string, Model>> models = [] {
    std::vector<std::pair<std::string, Model>> m;
    m.emplace_back("strided", strided_conv_net(1));
    m.emplace_back("pooling, count_include_pad", pooling_net(2, true));
    m.emplace_back("pooling", pooling_net(3, false));
    m.emplace_back("mixed", mixed_net(4));
    m.emplace_back("conv_net", conv_net(5));
    m.emplace_back("residual_net", residual_net(6));
    m.emplace_back("dense_net", dense_net(7));
    return m;
  }();
  for (const auto& [name, model] : models) {
    const Tensor x = random_tensor(model.batch_shape(1), 11);
    const Shape& shape = model.input_spec().sample_shape;
    for (Settings s : window_settings) {
      if (s["window"] == "5,40") {  // the whole width, where any stride is allowed
        s["window"] = "5," + std::to_string(shape[2]);
        s["stride"] = "4," + std::to_string(shape[2] + 3);
      }
      if (!fits(s, shape)) continue;
      for (std::int64_t target : {0, 2}) {
        CAPTURE(name, s["window"], s["stride"], target);
        const auto plain = occlude(model, x, {target}, s, "plain");
        const auto incremental = occlude(model, x, {target}, s, "incremental");
        CHECK(map_difference(incremental, plain, model, x, {target}) < 1e-5);
        CHECK(has_note(incremental, "mode: incremental (mode=incremental)"));
        CHECK(has_note(plain, "mode: plain (mode=plain)"));
      }
    }
  }
}

TEST_CASE("incremental occlusion: any batch size, 1 thread equals 2, a batch equals one by one",
          "[occlusion][incremental]") {
  for (const auto& model : {strided_conv_net(8), residual_net(9), pooling_net(10, true)}) {
    const Tensor x = random_tensor(model.batch_shape(3), 12);
    const std::vector<std::int64_t> targets{1, 0, 3};
    const Settings s{{"window", "3,3"}, {"stride", "2,2"}};
    auto with_batch = [&](const std::string& b, int threads) {
      auto p = s;
      p["batch_size"] = b;
      return occlude(model, x, targets, p, "incremental", threads);
    };
    const auto reference = with_batch("64", 1);
    CHECK(relative_difference(with_batch("64", 2).map, reference.map) == 0.0);
    CHECK(relative_difference(with_batch("5", 2).map, with_batch("5", 1).map) == 0.0);
    CHECK(map_difference(with_batch("1", 1), reference, model, x, targets) < 1e-5);
    // The automatic batch (all windows of an image, on these small models).
    CHECK(relative_difference(with_batch("0", 2).map, with_batch("0", 1).map) == 0.0);
    CHECK(map_difference(with_batch("0", 1), reference, model, x, targets) < 1e-5);
    for (std::int64_t n = 0; n < 3; ++n) {
      const auto one = occlude(model, x.batch_slice(n), {targets[static_cast<std::size_t>(n)]}, s,
                               "incremental");
      Attribution row;
      row.map = reference.map.batch_slice(n);
      CHECK(map_difference(row, one, model, x.batch_slice(n),
                           {targets[static_cast<std::size_t>(n)]}) < 1e-5);
    }
  }
}

TEST_CASE("occlusion's auto mode runs incremental occlusion where it computes less",
          "[occlusion][incremental]") {
  const auto deep = deep_conv_net(13);
  const Tensor x = random_tensor(deep.batch_shape(2), 14);
  // 2x2 windows change a few positions of each 32x32 map.
  const auto small = occlude(deep, x, {0, 1}, {{"window", "2,2"}, {"stride", "2,2"}}, "auto");
  CHECK(has_note(small, "mode: incremental (mode=auto)"));
  const std::int64_t windows = 16 * 16;
  CHECK(small.passes.forward > 2);
  CHECK(small.passes.forward < 2 * (1 + windows) / 4);
  const auto plain = occlude(deep, x, {0, 1}, {{"window", "2,2"}, {"stride", "2,2"}}, "plain");
  CHECK(plain.passes.forward == 2 * (1 + windows));
  // Behind global pooling a 2x2 window moves the logits little, so the rounding of patch kernels
  // that sum in another order than whole passes (cpu-blas) is relative to the logits here.
  CHECK(map_difference(small, plain, deep, x, {0, 1}) < 1e-5);
  // 20x20 windows change most of every map after the first convolution.
  const auto large = occlude(deep, x, {0, 1}, {{"window", "20,20"}, {"stride", "4,4"}}, "auto");
  CHECK(has_note(large, "mode: plain (mode=auto)"));
  // Flatten first: nothing is local.
  const auto dense = dense_net(15);
  const auto flat = occlude(dense, random_tensor(dense.batch_shape(1), 16), {0}, {}, "auto");
  CHECK(has_note(flat, "mode: plain (mode=auto), incremental would compute 100.0%"));
}
