#include <algorithm>
#include <catch2/catch.hpp>
#include <lumen/error.hpp>
#include <lumen/layers.hpp>

#include "explain_helpers.hpp"
#include "rule_helpers.hpp"
#include "test_models.hpp"
#include "test_registry.hpp"

using namespace lumen;
using namespace lumen::testing;

namespace {

// x(2) -> W1 = [[1, 1], [-1, 2]] -> ReLU -> W2 = [[2, 1]], no bias.
Model two_layer() { return two_layer_relu_net(Tensor({1, 2}, {2, 1})); }

}  // namespace

TEST_CASE("deep-taylor matches hand-computed relevance on a 2-layer network", "[deep-taylor]") {
  // x = (1, 2): h = (3, 3), f = 2*3 + 1*3 = 9. z+ at fc2: R_h = (6, 3).
  // fc1 unit 1 (w = (1, 1)) carries 6, unit 2 (w = (-1, 2)) carries 3.
  const auto model = two_layer();
  const Tensor x({1, 2, 1, 1}, {1, 2});
  SECTION("zbox with scalar bounds low = -1, high = 3") {
    // unit 1: (x - l) w+ = (2, 3), z = 5: (2.4, 3.6). unit 2: (x1 - h) w1 = (1 - 3)(-1) = 2 and
    // (x2 - l) w2 = 3 * 2 = 6, z = 8: (0.75, 2.25). R_x = (3.15, 5.85), sum 9.
    const auto a = explain("deep-taylor", model, x, {0}, {{"low", "-1"}, {"high", "3"}});
    CHECK(a.map[0] == Approx(3.15).epsilon(1e-5));
    CHECK(a.map[1] == Approx(5.85).epsilon(1e-5));
  }
  SECTION("zbox with per-channel bounds low = (-1, 0), high = (3, 3)") {
    // unit 1: (x - l) = (2, 2), z = 4: (3, 3). unit 2: (1 - 3)(-1) = 2 and (2 - 0) 2 = 4, z = 6:
    // (1, 2). R_x = (4, 5).
    const auto a = explain("deep-taylor", model, x, {0}, {{"low", "-1,0"}, {"high", "3,3"}});
    CHECK(a.map[0] == Approx(4.0).epsilon(1e-5));
    CHECK(a.map[1] == Approx(5.0).epsilon(1e-5));
  }
  SECTION("wsquare") {
    // unit 1: w^2 = (1, 1) / 2 * 6 = (3, 3). unit 2: w^2 = (1, 4) / 5 * 3 = (0.6, 2.4).
    const auto a = explain("deep-taylor", model, x, {0}, {{"input_rule", "wsquare"}});
    CHECK(a.map[0] == Approx(3.6).epsilon(1e-5));
    CHECK(a.map[1] == Approx(5.4).epsilon(1e-5));
  }
}

TEST_CASE("deep-taylor conserves the target logit on bias-free ReLU networks", "[deep-taylor]") {
  // Inputs in the box [0, 1]: every linear layer is followed by a ReLU (or gives the logits), so
  // a unit that receives relevance is active, its z+ > 0 and z+ passes on all of it; z-box passes
  // on what the first layer receives; w^2 does for any input. Max-pooling (winner) and global
  // average pooling keep the total. (Not the residual net: a convolution feeding an Add without
  // its own ReLU can receive relevance with z+ = 0, which z+ drops; see docs/methods.)
  for (std::uint64_t seed : {1U, 2U, 3U}) {
    for (const auto& model : {conv_net(seed, false), dense_net(seed, false)}) {
      const Tensor x = random_tensor(model.batch_shape(2), seed + 40, 0.0F, 1.0F);
      const Tensor scores = logits(model, x);
      for (const char* input_rule : {"zbox", "wsquare"}) {
        // The target whose logit has the most positive contributions: the largest logit.
        std::vector<std::int64_t> targets;
        for (std::int64_t s = 0; s < 2; ++s) {
          std::int64_t best = 0;
          for (std::int64_t k = 1; k < model.class_count(); ++k) {
            if (scores[s * model.class_count() + k] > scores[s * model.class_count() + best])
              best = k;
          }
          targets.push_back(best);
        }
        const auto a = explain("deep-taylor", model, x, targets, {{"input_rule", input_rule}});
        for (std::int64_t s = 0; s < 2; ++s) {
          const double f = scores[s * model.class_count() + targets[s]];
          CAPTURE(seed, input_rule, s, f);
          CHECK(sum(a.map.batch_slice(s)) == Approx(f).epsilon(1e-4));
        }
      }
    }
  }
}

TEST_CASE("deep-taylor refuses bad bounds", "[deep-taylor]") {
  const auto model = two_layer();
  const Tensor x({1, 2, 1, 1}, {1, 2});
  CHECK_THROWS_AS(explain("deep-taylor", model, x, {0}, {{"low", "a"}}), InvalidArgument);
  CHECK_THROWS_AS(explain("deep-taylor", model, x, {0}, {{"low", "2"}, {"high", "1"}}),
                  InvalidArgument);
  CHECK_THROWS_WITH(explain("deep-taylor", model, x, {0}, {{"low", "0,0,0"}}),
                    Catch::Contains("low"));
}

TEST_CASE("deep-taylor batch equals one by one and does not depend on threads", "[deep-taylor]") {
  const auto model = residual_net(9);
  const Tensor x = random_tensor(model.batch_shape(3), 10, 0.0F, 1.0F);
  const std::vector<std::int64_t> t{0, 1, 2};
  for (const char* input_rule : {"zbox", "wsquare"}) {
    const std::map<std::string, std::string> params{{"input_rule", input_rule}};
    check_batch_equals_samples("deep-taylor", model, x, t, params, 1e-5);
  }
}

TEST_CASE("deep-taylor with a composite propagates that composite's rules as lrp does",
          "[deep-taylor][composite]") {
  // lrp with the same composite and no canonizer runs the same rules from the same start value.
  for (const auto& model : {conv_net(3), residual_net(3), dense_net(3)}) {
    const Tensor x = random_tensor(model.batch_shape(2), 4, 0.0F, 1.0F);
    const std::vector<std::int64_t> targets{0, 1};
    for (const char* composite : {"epsilon-plus", "epsilon-alpha2-beta1-flat"}) {
      CAPTURE(composite);
      const auto d = explain("deep-taylor", model, x, targets, {{"composite", composite}});
      const auto l =
          explain("lrp", model, x, targets, {{"composite", composite}, {"canonizers", ""}});
      CHECK(relative_difference(d.map, l.map) == 0.0);
      CHECK(d.notes.front() == std::string("composite: ") + composite);
    }
    // Given bounds reach the composite's z-box rule (at a first convolution: not on dense_net).
    if (model.graph().find("fc1")) continue;
    const std::map<std::string, std::string> box{
        {"composite", "epsilon-gamma-box"}, {"low", "-1"}, {"high", "2"}};
    auto lrp_box = box;
    lrp_box["canonizers"] = "";
    CHECK(relative_difference(explain("deep-taylor", model, x, targets, box).map,
                              explain("lrp", model, x, targets, lrp_box).map) == 0.0);
  }
  // input_rule belongs to deep Taylor's own rules; a bound that no rule of the composite takes
  // is refused, as in lrp.
  const Model model = conv_net(3);
  const Tensor x = random_tensor(model.batch_shape(1), 4, 0.0F, 1.0F);
  CHECK_THROWS_WITH(explain("deep-taylor", model, x, {0},
                            {{"composite", "epsilon-plus"}, {"input_rule", "zbox"}}),
                    Catch::Contains("input_rule") && Catch::Contains("epsilon-plus"));
  CHECK_THROWS_WITH(
      explain("deep-taylor", model, x, {0}, {{"composite", "epsilon-plus"}, {"low", "-1"}}),
      Catch::Contains("'low'"));
  CHECK_THROWS_AS(explain("deep-taylor", model, x, {0}, {{"composite", "no-such"}}), NotFound);
}

TEST_CASE("deep-taylor's own rules are the default composite, and canonizers apply first",
          "[deep-taylor][composite]") {
  const Model model = lumen::conformance::batch_norm_net(4);
  const Tensor x = random_tensor(model.batch_shape(2), 5, 0.0F, 1.0F);
  const std::vector<std::int64_t> targets{1, 2};
  const auto plain = explain("deep-taylor", model, x, targets);
  const auto none = explain("deep-taylor", model, x, targets, {{"composite", "none"}});
  CHECK(relative_difference(plain.map, none.map) == 0.0);
  // z+ everywhere but z-box at conv1 (with its own box [0, 1]: the model knows no
  // normalisation), batch-norms included (not folded by default).
  const auto notes = plain.notes;
  CHECK(std::count(notes.begin(), notes.end(), "rule conv1: zbox") == 1);
  const auto bounded = explain("deep-taylor", model, x, targets, {{"low", "0"}, {"high", "1"}});
  CHECK(relative_difference(plain.map, bounded.map) == 0.0);
  CHECK(std::count(bounded.notes.begin(), bounded.notes.end(),
                   "rule conv1: zbox (high=1, low=0)") == 1);
  CHECK(std::count(notes.begin(), notes.end(), "rule bn1: zplus") == 1);
  const auto folded =
      explain("deep-taylor", model, x, targets, {{"canonizers", "merge-batch-norm"}});
  CHECK(std::count(folded.notes.begin(), folded.notes.end(), "folded batch-norm bn1 into conv1") ==
        1);
  CHECK(std::count(folded.notes.begin(), folded.notes.end(), "rule bn1: zplus") == 0);
  CHECK(relative_difference(folded.map, plain.map) > 1e-4);
}
