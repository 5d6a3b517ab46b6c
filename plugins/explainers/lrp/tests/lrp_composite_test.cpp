#include <catch2/catch.hpp>
#include <fstream>
#include <lumen/error.hpp>
#include <lumen/plugin_loader.hpp>
#include <lumen/registry.hpp>

#include "bn_model.hpp"
#include "explain_helpers.hpp"
#include "temp_dir.hpp"
#include "test_models.hpp"
#include "test_registry.hpp"

using namespace lumen;
using namespace lumen::testing;

namespace {

using Assignment = std::map<std::string, std::string>;

// The "rule NODE: LABEL" notes of an attribution.
Assignment rules_used(const Attribution& a) {
  Assignment out;
  for (const auto& note : a.notes) {
    if (!note.starts_with("rule ")) continue;
    const auto colon = note.find(": ");
    out[note.substr(5, colon - 5)] = note.substr(colon + 2);
  }
  return out;
}

const std::string kNorm = "epsilon (epsilon=1e-6)";  // Zennit's Norm at average pooling
const std::string kAlpha2Beta1 = "alpha-beta (alpha=2, beta=1)";

// Zennit's layer maps (composites.py), written out for the conv test model.
std::map<std::string, Assignment> expected_conv_net() {
  const Assignment common{{"relu1", "pass"},
                          {"pool1", "winner-take-all"},
                          {"features", "pass"},
                          {"gap", kNorm},
                          {"fc", "epsilon"}};
  auto with = [&](std::string first, std::string rest) {
    Assignment a = common;
    a["conv1"] = std::move(first);
    a["conv2"] = std::move(rest);
    return a;
  };
  return {{"epsilon-plus", with("zplus", "zplus")},
          {"epsilon-alpha2-beta1", with(kAlpha2Beta1, kAlpha2Beta1)},
          {"epsilon-plus-flat", with("flat", "zplus")},
          {"epsilon-alpha2-beta1-flat", with("flat", kAlpha2Beta1)},
          {"epsilon-gamma-box", with("zbox", "gamma")}};
}

std::map<std::string, Assignment> expected_residual_net() {
  const Assignment common{{"stem_relu", "pass"},
                          {"block_relu", "pass"},
                          {"features", "pass"},
                          {"avgpool", kNorm},
                          {"fc", "epsilon"}};
  auto with = [&](std::string first, std::string rest) {
    Assignment a = common;
    a["stem"] = std::move(first);
    a["block_conv1"] = rest;
    a["block_conv2"] = std::move(rest);
    return a;
  };
  return {{"epsilon-plus", with("zplus", "zplus")},
          {"epsilon-alpha2-beta1", with(kAlpha2Beta1, kAlpha2Beta1)},
          {"epsilon-plus-flat", with("flat", "zplus")},
          {"epsilon-alpha2-beta1-flat", with("flat", kAlpha2Beta1)},
          {"epsilon-gamma-box", with("zbox", "gamma")}};
}

}  // namespace

TEST_CASE("lrp composites assign Zennit's rule per layer", "[lrp][composite]") {
  const auto check = [](const Model& model, const std::map<std::string, Assignment>& expected) {
    const Tensor x = random_tensor(model.batch_shape(1), 3);
    for (const auto& [composite, rules] : expected) {
      CAPTURE(composite);
      const auto a = explain("lrp", model, x, {1}, {{"composite", composite}});
      CHECK(rules_used(a) == rules);
    }
  };
  check(conv_net(1), expected_conv_net());
  check(residual_net(1), expected_residual_net());
  // Dense layers: EpsilonPlusFlat's first layer may be a dense one; EpsilonGammaBox's must be a
  // convolution, so a network without one has no z-box layer.
  const Model dense = dense_net(1);
  const Tensor x = random_tensor(dense.batch_shape(1), 3);
  CHECK(rules_used(explain("lrp", dense, x, {0}, {{"composite", "epsilon-plus-flat"}})) ==
        Assignment{{"fc1", "flat"}, {"relu", "pass"}, {"fc2", "epsilon"}});
  CHECK(rules_used(explain("lrp", dense, x, {0}, {{"composite", "epsilon-gamma-box"}})) ==
        Assignment{{"fc1", "epsilon"}, {"relu", "pass"}, {"fc2", "epsilon"}});
}

TEST_CASE("lrp composites propagate with the rules they report", "[lrp][composite]") {
  // The composite's map equals the same rules given one by one as overrides.
  for (std::uint64_t seed : {2U, 3U}) {
    const Model model = conv_net(seed);
    const Tensor x = random_tensor(model.batch_shape(2), seed);
    const std::vector<std::int64_t> t{0, 3};
    const auto box = explain("lrp", model, x, t,
                             {{"composite", "epsilon-gamma-box"}, {"low", "-1"}, {"high", "1"}});
    const auto by_hand = explain("lrp", model, x, t,
                                 {{"rule", "gamma"},
                                  {"rule.conv1", "zbox"},
                                  {"rule.fc", "epsilon"},
                                  {"rule.gap", "epsilon"},
                                  {"low", "-1"},
                                  {"high", "1"}});
    CHECK(relative_difference(box.map, by_hand.map) == 0.0);
    // Both bounds were given, so both reach the rule (high=1 equals its default).
    CHECK(rules_used(box)["conv1"] == "zbox (high=1, low=-1)");
    const auto plus = explain("lrp", model, x, t, {{"composite", "epsilon-plus"}});
    const auto plus_hand = explain(
        "lrp", model, x, t, {{"rule", "zplus"}, {"rule.fc", "epsilon"}, {"rule.gap", "epsilon"}});
    CHECK(relative_difference(plus.map, plus_hand.map) == 0.0);
  }
}

TEST_CASE("lrp overrides take precedence over the composite and the rule", "[lrp][composite]") {
  const Model model = conv_net(4);
  const Tensor x = random_tensor(model.batch_shape(1), 5);
  const auto a = explain("lrp", model, x, {2},
                         {{"composite", "epsilon-gamma-box"},
                          {"rule.conv1", "flat"},
                          {"rule.conv2", "epsilon"},
                          {"rule.pool1", "proportional"}});
  const auto used = rules_used(a);
  CHECK(used.at("conv1") == "flat");
  CHECK(used.at("conv2") == "epsilon");
  CHECK(used.at("pool1") == "proportional");
  CHECK(used.at("fc") == "epsilon");
  const auto b = explain("lrp", model, x, {2}, {{"rule", "zplus"}, {"rule.fc", "epsilon"}});
  CHECK(rules_used(b).at("conv1") == "zplus");
  CHECK(rules_used(b).at("fc") == "epsilon");
  // The override changes the map: conv1 with flat is not conv1 with z-box.
  const auto box = explain("lrp", model, x, {2}, {{"composite", "epsilon-gamma-box"}});
  CHECK(relative_difference(a.map, box.map) > 1e-3);
}

TEST_CASE("lrp composites conserve the target logit on bias-free networks", "[lrp][composite]") {
  // These composites' rules conserve on bias-free layers (z-box at the first layer passes on
  // exactly what it receives), so the input relevance sums to the target logit, up to what the
  // fixed 1e-6 stabiliser of Zennit's Norm at average pooling absorbs (1e-3 relative leaves room
  // for that on logits of order 1e-3). epsilon-alpha2-beta1 does not conserve: an output without
  // lowering contributions (z- = 0, e.g. behind a ReLU's zeros) passes on alpha times its
  // relevance.
  for (std::uint64_t seed : {1U, 2U}) {
    for (const auto& model : {conv_net(seed, false), residual_net(seed, false)}) {
      const Tensor x = random_tensor(model.batch_shape(2), seed + 30);
      const Tensor scores = logits(model, x);
      const std::vector<std::int64_t> t{0, model.class_count() - 1};
      for (const char* composite : {"epsilon-plus", "epsilon-plus-flat", "epsilon-gamma-box"}) {
        for (const char* pool : {"winner-take-all", "proportional"}) {
          std::map<std::string, std::string> p{
              {"composite", composite}, {"maxpool", pool}, {"epsilon", "1e-9"}};
          if (std::string(composite) == "epsilon-gamma-box") p["low"] = "-1";
          const auto a = explain("lrp", model, x, t, p);
          for (std::int64_t s = 0; s < 2; ++s) {
            const double f = scores[s * model.class_count() + t[s]];
            CAPTURE(seed, composite, pool, s, f);
            CHECK(sum(a.map.batch_slice(s)) == Approx(f).epsilon(1e-3));
          }
        }
      }
    }
  }
}

TEST_CASE("lrp composites: batch equals one by one, 1 thread equals 2", "[lrp][composite]") {
  const Model model = residual_net(7);
  const Tensor x = random_tensor(model.batch_shape(3), 8);
  const std::vector<std::int64_t> t{0, 1, 3};
  for (const char* composite : {"epsilon-plus-flat", "epsilon-gamma-box"}) {
    const std::map<std::string, std::string> p{{"composite", composite}};
    check_batch_equals_samples("lrp", model, x, t, p, 1e-5);
  }
}

TEST_CASE("lrp forwards every rule parameter to the rules that take it", "[lrp][composite]") {
  const Model model = conv_net(5);
  const Tensor x = random_tensor(model.batch_shape(1), 6);
  const auto g25 = explain("lrp", model, x, {1}, {{"composite", "epsilon-gamma-box"}});
  const auto g1 =
      explain("lrp", model, x, {1}, {{"composite", "epsilon-gamma-box"}, {"gamma", "1"}});
  CHECK(rules_used(g25).at("conv2") == "gamma");
  CHECK(rules_used(g1).at("conv2") == "gamma (gamma=1)");
  CHECK(relative_difference(g1.map, g25.map) > 1e-4);
  const auto ab =
      explain("lrp", model, x, {1}, {{"rule", "alpha-beta"}, {"alpha", "3"}, {"beta", "2"}});
  CHECK(rules_used(ab).at("conv1") == "alpha-beta (alpha=3, beta=2)");
  const auto eps =
      explain("lrp", model, x, {1}, {{"composite", "epsilon-plus"}, {"epsilon", "0.5"}});
  CHECK(rules_used(eps).at("fc") == "epsilon (epsilon=0.5)");
  CHECK(rules_used(eps).at("gap") == kNorm);  // Zennit's Norm keeps its own stabiliser
}

TEST_CASE("lrp passes an explicitly given rule parameter on even when it equals a default",
          "[lrp][composite]") {
  // A registry where a rule listed before "epsilon" declares `epsilon` with another default
  // (0.1), so lrp's own declaration of `epsilon` shows 0.1 and the epsilon rule's default is 1e-6.
  Registry local;
  REQUIRE(load_plugins(local).empty());
  local.register_plugin({"test-rules", "0", "lrp_composite_test", {}}, nullptr, [](Registrar& r) {
    RuleInfo rule = r.registry().rule_info("epsilon");
    rule.name = "a-coarse-epsilon";
    rule.params = {param::real("epsilon", 0.1, "stabiliser")};
    r.add_rule(std::move(rule));
  });
  const auto lrp = local.explainer("lrp");
  const Model model = conv_net(5);
  const Tensor x = random_tensor(model.batch_shape(1), 6);
  const std::vector<std::int64_t> targets{1};
  const auto run = [&](const std::map<std::string, std::string>& given) {
    const Params params = Params::validate(lrp->info().params, given, "lrp");
    auto context = make_context();
    return lrp->explain({model, x, targets, params, std::nullopt}, *context);
  };
  const auto defaults = run({{"composite", "epsilon-plus"}});
  const auto explicit_value = run({{"composite", "epsilon-plus"}, {"epsilon", "0.1"}});
  CHECK(rules_used(defaults).at("fc") == "epsilon");
  CHECK(rules_used(explicit_value).at("fc") == "epsilon (epsilon=0.1)");
  CHECK(relative_difference(explicit_value.map, defaults.map) > 1e-6);
}

TEST_CASE("lrp refuses misspelled, unused and conflicting parameters", "[lrp][composite]") {
  const Model model = conv_net(6);
  const Tensor x = random_tensor(model.batch_shape(1), 7);
  // Unknown names list the accepted ones, rule parameters included.
  CHECK_THROWS_WITH(explain("lrp", model, x, {0}, {{"gama", "1"}}),
                    Catch::Contains("gama") && Catch::Contains("gamma") &&
                        Catch::Contains("alpha") && Catch::Contains("low"));
  CHECK_THROWS_WITH(explain("lrp", model, x, {0}, {{"composite", "epsilon-pluss"}}),
                    Catch::Contains("epsilon-plus-flat"));
  CHECK_THROWS_WITH(explain("lrp", model, x, {0}, {{"gamma", "-2"}}), Catch::Contains("gamma"));
  // A value no rule in use takes is an error, not silently ignored.
  CHECK_THROWS_WITH(explain("lrp", model, x, {0}, {{"gamma", "0.5"}}), Catch::Contains("gamma"));
  CHECK_THROWS_WITH(explain("lrp", model, x, {0},
                            {{"composite", "epsilon-alpha2-beta1"}, {"alpha", "3"}, {"beta", "2"}}),
                    Catch::Contains("alpha"));
  CHECK_THROWS_WITH(
      explain("lrp", model, x, {0}, {{"rule", "zplus"}, {"composite", "epsilon-plus"}}),
      Catch::Contains("not both"));
  CHECK_THROWS_AS(explain("lrp", model, x, {0}, {{"rule.no_such_node", "zplus"}}), NotFound);
  CHECK_THROWS_AS(explain("lrp", model, x, {0}, {{"rule.conv1", "no-such-rule"}}), NotFound);
  CHECK_THROWS_WITH(explain("lrp", model, x, {0}, {{"rule.conv1", "gradient"}}),
                    Catch::Contains("relevance"));
  CHECK_THROWS_WITH(explain("lrp", model, x, {0}, {{"rule", "alpha-beta"}, {"alpha", "3"}}),
                    Catch::Contains("alpha - beta must be 1"));
}

TEST_CASE("lrp folds batch-norm into the layer before it", "[lrp][canonize]") {
  // Same relevance as on the network whose batch-norms were folded by hand; bn3 (after a ReLU)
  // stays a batch-norm and gets the composite's epsilon rule.
  for (std::uint64_t seed : {1U, 2U}) {
    const Model model = bn_net(seed, false);
    const Model by_hand = bn_net(seed, true);
    const Tensor x = random_tensor(model.batch_shape(2), seed + 3);
    const Tensor before = logits(model, x);
    CHECK(relative_difference(logits(by_hand, x), before) < 1e-5);
    for (const char* composite : {"epsilon-plus", "epsilon-alpha2-beta1", "epsilon-plus-flat",
                                  "epsilon-alpha2-beta1-flat", "epsilon-gamma-box"}) {
      CAPTURE(seed, composite);
      const std::map<std::string, std::string> p{{"composite", composite}};
      const auto a = explain("lrp", model, x, {0, 2}, p);
      const auto b = explain("lrp", by_hand, x, {0, 2}, p);
      CHECK(relative_difference(a.map, b.map) < 1e-4);
      const auto used = rules_used(a);
      CHECK(used.at("bn3") == "epsilon");
      CHECK(used.count("bn1") == 0);  // an Identity now: routed by the engine
      CHECK(std::count(a.notes.begin(), a.notes.end(), "folded batch-norm bn2 into conv2") == 1);
      CHECK(std::count(a.notes.begin(), a.notes.end(), "folded batch-norm bn4 into fc") == 1);
    }
    CHECK(relative_difference(logits(model, x), before) == 0.0);
    // Without folding, the batch-norms get the rule map's rules and the maps differ.
    const auto plain =
        explain("lrp", model, x, {0, 2}, {{"composite", "epsilon-plus"}, {"canonizers", ""}});
    const auto folded = explain("lrp", model, x, {0, 2}, {{"composite", "epsilon-plus"}});
    CHECK(relative_difference(plain.map, folded.map) > 1e-3);
  }
}

TEST_CASE("lrp's maxpool fills the max-pooling layers a composite leaves free, all when given",
          "[lrp][composite]") {
  TempDir dir;
  const std::string file = dir / "pool.json";
  std::ofstream(file) << R"({"layers": [{"op": "MaxPool", "rule": "proportional"},
                                        {"linear": true, "rule": "epsilon"}]})";
  const Model model = conv_net(8);
  const Tensor x = random_tensor(model.batch_shape(1), 9);
  CHECK(rules_used(explain("lrp", model, x, {1}, {{"composite", file}})).at("pool1") ==
        "proportional");
  CHECK(rules_used(
            explain("lrp", model, x, {1}, {{"composite", file}, {"maxpool", "winner-take-all"}}))
            .at("pool1") == "winner-take-all");
  CHECK(rules_used(explain("lrp", model, x, {1}, {{"composite", "epsilon-plus"}})).at("pool1") ==
        "winner-take-all");
  // A rule planned for a layer it does not handle is refused, not silently routed.
  CHECK_THROWS_WITH(explain("lrp", model, x, {1}, {{"rule.relu1", "epsilon"}}),
                    Catch::Contains("rule 'epsilon' planned for node 'relu1'"));
  CHECK_THROWS_WITH(explain("lrp", model, x, {1}, {{"canonizers", "merge-batchnorm"}}),
                    Catch::Contains("canonizers") && Catch::Contains("merge-batch-norm"));
}
