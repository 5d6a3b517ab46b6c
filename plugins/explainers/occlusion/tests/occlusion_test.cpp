#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <lumen/error.hpp>
#include <lumen/layers.hpp>
#include <random>

#include "../sliding_windows.hpp"
#include "explain_helpers.hpp"
#include "linear_model.hpp"
#include "test_models.hpp"

using namespace lumen;
using namespace lumen::testing;

namespace {

// The closed form on a linear model: occluding the set w changes the logit by
// f(x) - f(x_w) = sum_{i in w} W_ci (x_i - b); every value averages that over the windows covering
// it. Windows enumerated independently of the plugin: starts 0, s, 2s, ... while start + window
// fits, plus one window cut at the edge when the last one leaves values uncovered (Captum's
// ceil((D - w) / s) + 1 positions).
Tensor analytic(const RandomLinearModel& lm, const Tensor& x, std::int64_t target,
                std::array<std::int64_t, 3> window, std::array<std::int64_t, 3> stride,
                float baseline) {
  const Shape& s = lm.model.input_spec().sample_shape;
  auto starts = [&](std::size_t a) {
    std::vector<std::int64_t> v;
    std::int64_t p = 0;
    for (; p + window[a] <= s[a]; p += stride[a]) v.push_back(p);
    if (v.back() + window[a] < s[a]) v.push_back(p);
    return v;
  };
  const std::int64_t inputs = x.size();
  std::vector<double> total(static_cast<std::size_t>(inputs)), covered(total.size());
  for (auto c0 : starts(0))
    for (auto y0 : starts(1))
      for (auto x0 : starts(2)) {
        std::vector<std::int64_t> members;
        for (std::int64_t c = c0; c < std::min(c0 + window[0], s[0]); ++c)
          for (std::int64_t y = y0; y < std::min(y0 + window[1], s[1]); ++y)
            for (std::int64_t xx = x0; xx < std::min(x0 + window[2], s[2]); ++xx)
              members.push_back((c * s[1] + y) * s[2] + xx);
        double drop = 0.0;
        for (auto i : members)
          drop += static_cast<double>(lm.weight[target * inputs + i]) * (x[i] - baseline);
        for (auto i : members) {
          total[static_cast<std::size_t>(i)] += drop;
          covered[static_cast<std::size_t>(i)] += 1.0;
        }
      }
  Tensor r(x.shape());
  for (std::int64_t i = 0; i < inputs; ++i)
    r[i] = static_cast<float>(total[static_cast<std::size_t>(i)] /
                              covered[static_cast<std::size_t>(i)]);
  return r;
}

}  // namespace

TEST_CASE("occlusion on a linear model equals each window's analytic contribution", "[occlusion]") {
  struct Setting {
    std::string window, stride;
    std::array<std::int64_t, 3> w, s;
    float baseline;
  };
  // Shape [3,7,8]: strides that divide evenly, leave a cut window at the edge, windows over
  // channels, windows spanning whole axes, a non-zero baseline.
  const std::vector<Setting> settings{
      {"3,3", "1,1", {3, 3, 3}, {1, 1, 1}, 0.0F},
      {"3,3", "2,2", {3, 3, 3}, {1, 2, 2}, 0.0F},
      {"1,4,3", "1,2,3", {1, 4, 3}, {1, 2, 3}, 0.5F},
      {"2,2,5", "1,2,2", {2, 2, 5}, {1, 2, 2}, -0.25F},
      {"7,8", "3,3", {3, 7, 8}, {1, 3, 3}, 0.0F},
      {"1,1", "1,1", {3, 1, 1}, {1, 1, 1}, 1.0F},
  };
  for (std::uint64_t seed : {1U, 2U, 3U}) {
    const auto lm = random_linear_classifier({3, 7, 8}, 4, seed);
    const Tensor x = random_tensor(lm.model.batch_shape(1), seed + 20);
    for (const auto& st : settings) {
      for (std::int64_t target : {0, 3}) {
        const auto a = explain("occlusion", lm.model, x, {target},
                               {{"window", st.window},
                                {"stride", st.stride},
                                {"baseline", std::to_string(st.baseline)},
                                {"batch_size", "5"}});
        CAPTURE(seed, st.window, st.stride, target);
        CHECK(relative_difference(a.map, analytic(lm, x, target, st.w, st.s, st.baseline)) < 1e-5);
      }
    }
  }
}

TEST_CASE("occlusion windows slide as Captum's", "[occlusion]") {
  // ceil((D - w) / s) + 1 positions per axis, the last one cut at the edge.
  const auto w = occlusion::make_sliding_windows({3, 3}, {2, 2}, {2, 8, 7});
  CHECK(w.positions == std::array<std::int64_t, 3>{1, 4, 3});
  CHECK(w.range(0, 0) == std::array<std::int64_t, 2>{0, 2});
  CHECK(w.range(3 * 3 - 1, 1) == std::array<std::int64_t, 2>{4, 7});
  CHECK(w.range(3 * 3 + 1, 1) == std::array<std::int64_t, 2>{6, 8});
  CHECK(w.range(3 * 3 + 2, 2) == std::array<std::int64_t, 2>{4, 7});
  const auto c = occlusion::make_sliding_windows({2, 4, 4}, {1, 4, 4}, {3, 8, 8});
  CHECK(c.positions == std::array<std::int64_t, 3>{2, 2, 2});
  CHECK(c.count() == 8);
}

TEST_CASE("plain occlusion: batches equal one by one, 1 thread equals 2, passes are counted",
          "[occlusion]") {
  for (const auto& model : {conv_net(3), residual_net(4), dense_net(5)}) {
    const Tensor x = random_tensor(model.batch_shape(3), 9);
    const std::vector<std::int64_t> targets{1, 0, 2};
    const std::map<std::string, std::string> params{
        {"window", "2,2"}, {"stride", "1,1"}, {"mode", "plain"}};
    auto with_batch = [&](const std::string& b, int threads) {
      auto p = params;
      p["batch_size"] = b;
      return explain("occlusion", model, x, targets, p, std::nullopt, threads);
    };
    const auto reference = with_batch("64", 1);
    CHECK(relative_difference(with_batch("64", 2).map, reference.map) == 0.0);
    CHECK(relative_difference(with_batch("1", 2).map, reference.map) < 1e-5);
    CHECK(relative_difference(with_batch("7", 1).map, reference.map) < 1e-5);
    CHECK(relative_difference(with_batch("0", 1).map, reference.map) < 1e-5);
    CHECK(relative_difference(with_batch("0", 2).map, with_batch("0", 1).map) == 0.0);
    const auto& shape = model.input_spec().sample_shape;
    const std::int64_t windows = (shape[1] - 1) * (shape[2] - 1);
    CHECK(reference.passes.forward == 3 * (1 + windows));
    CHECK(reference.passes.backward == 0);
    for (std::int64_t s = 0; s < 3; ++s) {
      const auto one = explain("occlusion", model, x.batch_slice(s),
                               {targets[static_cast<std::size_t>(s)]}, params);
      CHECK(relative_difference(reference.map.batch_slice(s), one.map) < 1e-5);
    }
  }
}

TEST_CASE("occlusion refuses bad windows and strides, naming the parameter", "[occlusion]") {
  const auto model = conv_net(1);
  const Tensor x = random_tensor(model.batch_shape(1), 2);
  auto run = [&](const std::string& window, const std::string& stride) {
    return explain("occlusion", model, x, {0}, {{"window", window}, {"stride", stride}});
  };
  CHECK_THROWS_WITH(run("9,3", "1,1"), Catch::Contains("'window'") && Catch::Contains("height"));
  CHECK_THROWS_WITH(run("4,3,3", "1,1"),
                    Catch::Contains("'window'") && Catch::Contains("channels"));
  CHECK_THROWS_WITH(run("3,x", "1,1"), Catch::Contains("'window'") && Catch::Contains("3,x"));
  CHECK_THROWS_WITH(run("3,3,3,3", "1,1"), Catch::Contains("'window'"));
  CHECK_THROWS_WITH(run("3,3", "0,1"), Catch::Contains("'stride'"));
  CHECK_THROWS_WITH(run("3,3", "1,1,1,1"), Catch::Contains("'stride'"));
  CHECK_THROWS_WITH(run("3,3", "4,1"), Catch::Contains("'stride'") && Catch::Contains("height"));
  CHECK_NOTHROW(run("8,8", "5,5"));  // the window covers the whole plane: any stride
  // One number is a square window or step.
  const auto square = run("3", "2").map, explicit_pair = run("3,3", "2,2").map;
  CHECK(std::equal(square.values().begin(), square.values().end(), explicit_pair.values().begin()));
}
