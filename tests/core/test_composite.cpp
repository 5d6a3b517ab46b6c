// Composites and canonizers in core: registration and lookup, planning by selector with first- and
// last-layer overrides, making the rules of a plan, canonize(), and composite files with every
// refusal naming the file and the key at fault.
#include <catch2/catch.hpp>
#include <fstream>
#include <lumen/canonizer.hpp>
#include <lumen/composite.hpp>
#include <lumen/error.hpp>
#include <lumen/layers.hpp>
#include <lumen/plugin_loader.hpp>
#include <lumen/registry.hpp>

#include "explain_helpers.hpp"
#include "temp_dir.hpp"
#include "test_models.hpp"
#include "test_registry.hpp"

using namespace lumen;
using namespace lumen::testing;

namespace {

CompositeInfo small_composite(std::string name) {
  return {
      std::move(name), "epsilon everywhere", {{NodeSelector::linear(), {"epsilon", {}}}}, {}, {}};
}

// Doubles the output of every ReLU: not the same function, but a valid rewrite.
class DoubleRelu final : public Canonizer {
 public:
  explicit DoubleRelu(std::string name) : name_(std::move(name)) {}
  CanonizerInfo info() const override { return {name_, "a test canonizer"}; }
  Rewrite rewrite(const Model& model, const Backend&) const override {
    Rewrite r;
    const Graph& g = model.graph();
    for (NodeId id = 0; id < g.size(); ++id) {
      if (g.node(id).layer->op_type() != "Relu") continue;
      r.layers[id] = make_leaky_relu(0.5F);
      r.notes.push_back(name_ + " rewrote " + g.node(id).name);
    }
    return r;
  }

 private:
  std::string name_;
};

// Replaces node `id` with `layer`.
class Replace final : public Canonizer {
 public:
  Replace(NodeId id, std::shared_ptr<const Layer> layer) : id_(id), layer_(std::move(layer)) {}
  CanonizerInfo info() const override { return {"replace", "a broken test canonizer"}; }
  Rewrite rewrite(const Model&, const Backend&) const override { return {{{id_, layer_}}, {}}; }

 private:
  NodeId id_;
  std::shared_ptr<const Layer> layer_;
};

using Named = std::map<std::string, RuleChoice>;

Named by_name(const Model& model, const RulePlan& plan) {
  Named out;
  for (const auto& [id, choice] : plan) out[model.graph().node(id).name] = choice;
  return out;
}

}  // namespace

TEST_CASE("composites and canonizers are registry kinds: found by name, listed, refused twice",
          "[composite][registry]") {
  Registry local;
  local.register_plugin({"test-kinds", "0", "kinds.so", {}}, nullptr, [](Registrar& r) {
    r.add_composite(small_composite("all-epsilon"));
    r.add_canonizer(std::make_shared<DoubleRelu>("double-relu"));
  });
  CHECK(local.composite_names() == std::vector<std::string>{"all-epsilon"});
  CHECK(local.canonizer_names() == std::vector<std::string>{"double-relu"});
  CHECK(local.composite("all-epsilon").summary == "epsilon everywhere");
  CHECK(local.canonizer("double-relu")->info().name == "double-relu");
  CHECK(local.file_of("composite", "all-epsilon") == "kinds.so");
  CHECK(local.file_of("canonizer", "double-relu") == "kinds.so");
  CHECK(local.plugins().back().items ==
        std::vector<std::string>{"composite all-epsilon", "canonizer double-relu"});
  CHECK_THROWS_AS(local.composite("epsilon-pluss"), NotFound);
  CHECK_THROWS_WITH(
      local.composite("epsilon-pluss"),
      Catch::Contains("no composite named 'epsilon-pluss'") && Catch::Contains("all-epsilon"));
  CHECK_THROWS_WITH(local.canonizer("merge"), Catch::Contains("no canonizer named 'merge'") &&
                                                  Catch::Contains("double-relu"));
  // A second plugin registering the same names is refused whole, naming both files.
  CHECK_THROWS_WITH(
      local.register_plugin({"again", "0", "again.so", {}}, nullptr,
                            [](Registrar& r) { r.add_composite(small_composite("all-epsilon")); }),
      Catch::Contains("composite 'all-epsilon'") && Catch::Contains("kinds.so") &&
          Catch::Contains("again.so"));
  CHECK_THROWS_WITH(
      local.register_plugin(
          {"again2", "0", "again2.so", {}}, nullptr,
          [](Registrar& r) { r.add_canonizer(std::make_shared<DoubleRelu>("double-relu")); }),
      Catch::Contains("canonizer 'double-relu'") && Catch::Contains("again2.so"));
  // Malformed composites are refused at registration.
  const auto refused = [&](CompositeInfo c, const char* what) {
    CHECK_THROWS_WITH(local.register_plugin({"bad", "0", "bad.so", {}}, nullptr,
                                            [&](Registrar& r) { r.add_composite(c); }),
                      Catch::Contains(what));
  };
  refused({"no-summary", "", {{NodeSelector::linear(), {"epsilon", {}}}}, {}, {}}, "no summary");
  refused({"empty", "nothing", {}, {}, {}}, "no entries");
  refused({"no-values", "s", {{NodeSelector::ops({}), {"epsilon", {}}}}, {}, {}}, "no values");
  refused({"no-rule", "s", {{NodeSelector::linear(), {"", {}}}}, {}, {}}, "names no rule");
  refused({"Not-Kebab", "s", {{NodeSelector::linear(), {"epsilon", {}}}}, {}, {}}, "kebab-case");
  CHECK(local.composite_names().size() == 1);
  // The build's plugins register Zennit's composites and merge-batch-norm.
  for (const char* name : {"epsilon-plus", "epsilon-plus-flat", "epsilon-alpha2-beta1",
                           "epsilon-alpha2-beta1-flat", "epsilon-gamma-box"})
    CHECK(registry().composite(name).name == name);
  CHECK(registry().canonizer("merge-batch-norm")->info().name == "merge-batch-norm");
}

TEST_CASE("a composite plans by node, op, kind and linear selector, first match wins",
          "[composite]") {
  // conv_net: conv1 relu1 pool1 conv2 features gap flatten fc softmax.
  const Model model = conv_net(1);
  const CompositeInfo c{"test",
                        "selectors",
                        {{NodeSelector::nodes({"conv2"}), {"flat", {}}},
                         {NodeSelector::ops({"Conv", "MaxPool"}), {"zplus", {}}},
                         {NodeSelector::kinds({"activation", "output"}), {"pass", {}}},
                         {NodeSelector::linear(), {"epsilon", {{"epsilon", "0.5"}}}},
                         {NodeSelector::ops({"Gemm"}), {"wsquare", {}}}},
                        {},
                        {}};
  CHECK(by_name(model, plan_rules(model, c)) == Named{{"conv1", {"zplus", {}}},
                                                      {"relu1", {"pass", {}}},
                                                      {"pool1", {"zplus", {}}},
                                                      {"conv2", {"flat", {}}},
                                                      {"features", {"pass", {}}},
                                                      {"gap", {"epsilon", {{"epsilon", "0.5"}}}},
                                                      {"fc", {"epsilon", {{"epsilon", "0.5"}}}},
                                                      {"softmax", {"pass", {}}}});
}

TEST_CASE("a composite's first and last entries pick the first and last matching node",
          "[composite]") {
  const Model model = conv_net(1);
  CompositeInfo c = small_composite("test");
  c.first = {{NodeSelector::ops({"Gemm"}), {"zero", {}}},
             {NodeSelector::ops({"Conv"}), {"flat", {}}}};
  c.last = {{NodeSelector::kinds({"linear"}), {"wsquare", {}}}};
  const Named plan = by_name(model, plan_rules(model, c));
  CHECK(plan.at("conv1") == RuleChoice{"flat", {}});  // the first node a first entry selects
  CHECK(plan.at("conv2") == RuleChoice{"epsilon", {}});
  CHECK(plan.at("gap") == RuleChoice{"epsilon", {}});
  CHECK(plan.at("fc") == RuleChoice{"wsquare", {}});  // the last linear-kind node
  // On the dense net fc1 is both the first Gemm and, with a last entry for it alone, the last:
  // the last entry wins.
  const Model dense = dense_net(1);
  c.last = {{NodeSelector::nodes({"fc1"}), {"wsquare", {}}}};
  const Named dense_plan = by_name(dense, plan_rules(dense, c));
  CHECK(dense_plan.at("fc1") == RuleChoice{"wsquare", {}});
  CHECK(dense_plan.at("fc2") == RuleChoice{"epsilon", {}});
}

TEST_CASE("make_rules gives given parameters to the rules that leave them free", "[composite]") {
  const Model model = conv_net(2);
  const Graph& g = model.graph();
  RulePlan plan{{g.at("conv1"), {"epsilon", {{"epsilon", "0.25"}}}},
                {g.at("conv2"), {"epsilon", {}}},
                {g.at("gap"), {"gamma", {}}},
                {g.at("fc"), {"epsilon", {}}}};
  const auto made = make_rules(registry(), model, plan, {{"epsilon", "0.5"}}, "test");
  CHECK(made.notes == std::vector<std::string>{
                          "rule conv1: epsilon (epsilon=0.25)", "rule conv2: epsilon (epsilon=0.5)",
                          "rule gap: gamma", "rule fc: epsilon (epsilon=0.5)"});
  CHECK(made.rules.select(model, g.at("conv2")).name() == "epsilon");
  // A value no free rule takes, a linear node without a rule, a rule for a layer it does not
  // handle, a gradient rule and an unknown rule are refused, naming the owner.
  CHECK_THROWS_WITH(make_rules(registry(), model, plan, {{"alpha", "3"}}, "test"),
                    Catch::Contains("test: parameter 'alpha' = 3 is taken by no rule"));
  RulePlan missing = plan;
  missing.erase(g.at("fc"));
  CHECK_THROWS_WITH(make_rules(registry(), model, missing, {}, "test"),
                    Catch::Contains("linear node 'fc' (Gemm) gets no rule"));
  RulePlan wrong = plan;
  wrong[g.at("relu1")] = {"epsilon", {}};
  CHECK_THROWS_WITH(make_rules(registry(), model, wrong, {}, "test"),
                    Catch::Contains("rule 'epsilon' planned for node 'relu1' does not handle"));
  RulePlan gradient = plan;
  gradient[g.at("fc")] = {"gradient", {}};
  CHECK_THROWS_WITH(make_rules(registry(), model, gradient, {}, "test"),
                    Catch::Contains("does not propagate relevance"));
  RulePlan unknown = plan;
  unknown[g.at("fc")] = {"no-such-rule", {}};
  CHECK_THROWS_AS(make_rules(registry(), model, unknown, {}, "test"), NotFound);
}

TEST_CASE("make_rules gives a box rule the model's normalised pixel box by default",
          "[composite]") {
  auto model_with = [](InputSpec spec) {
    Graph g;
    const auto x = g.add_input("input", {2, 4, 4});
    Conv2dParams conv;
    conv.weight = Tensor({3, 2, 3, 3}, 0.1F);
    conv.pads = {1, 1, 1, 1};
    const auto c = g.add_node("conv", "", make_conv2d(conv), {x});
    const auto r = g.add_node("relu", "", make_relu(), {c});
    const auto f = g.add_node("flatten", "", make_flatten(1), {r});
    g.finalize(g.add_node("fc", "", make_linear(Tensor({2, 48}, 0.1F), std::nullopt), {f}));
    return Model(std::move(g), std::move(spec));
  };
  // mean (0.5, 0.25), std (0.5, 0.25): pixels 0 and 1 become (-1, -1) and (1, 3).
  const Model normalised = model_with({{2, 4, 4}, {0.5F, 0.25F}, {0.5F, 0.25F}});
  const Graph& g = normalised.graph();
  const RulePlan plan{{g.at("conv"), {"zbox", {}}}, {g.at("fc"), {"epsilon", {}}}};
  CHECK(make_rules(registry(), normalised, plan, {}, "test").notes.front() ==
        "rule conv: zbox (high=1,3, low=-1,-1)");
  // Bounds the user gives, or the plan fixes, win; without normalisation the rule's own [0, 1].
  CHECK(make_rules(registry(), normalised, plan, {{"low", "-5"}, {"high", "5"}}, "test")
            .notes.front() == "rule conv: zbox (high=5, low=-5)");
  const RulePlan fixed{{g.at("conv"), {"zbox", {{"low", "-2"}}}}, {g.at("fc"), {"epsilon", {}}}};
  CHECK(make_rules(registry(), normalised, fixed, {}, "test").notes.front() ==
        "rule conv: zbox (low=-2)");
  const Model raw = model_with({{2, 4, 4}, {}, {}});
  const RulePlan raw_plan{{raw.graph().at("conv"), {"zbox", {}}},
                          {raw.graph().at("fc"), {"epsilon", {}}}};
  CHECK(make_rules(registry(), raw, raw_plan, {}, "test").notes.front() == "rule conv: zbox");
}

TEST_CASE("canonize applies canonizers in order and refuses a rewrite that breaks the graph",
          "[composite][canonize]") {
  Registry local;
  REQUIRE(load_plugins(local).empty());
  const Model model = conv_net(3);
  const Graph& g = model.graph();
  local.register_plugin({"test-canonizers", "0", "canonizers.so", {}}, nullptr, [&](Registrar& r) {
    r.add_canonizer(std::make_shared<DoubleRelu>("double-relu"));
  });
  auto context = make_context();
  const std::vector<std::string> twice{"double-relu", "merge-batch-norm"};
  const CanonizedModel c = canonize(model, twice, local, context->backend());
  CHECK(c.notes ==
        std::vector<std::string>{"double-relu rewrote relu1", "double-relu rewrote features"});
  CHECK(c.model.graph().node(g.at("relu1")).layer->op_type() == "LeakyRelu");
  CHECK(g.node(g.at("relu1")).layer->op_type() == "Relu");  // the original is kept
  CHECK(c.model.graph().node(g.at("conv1")).layer == g.node(g.at("conv1")).layer);
  const std::vector<std::string> unknown{"double-relu", "fold"};
  CHECK_THROWS_AS(canonize(model, unknown, local, context->backend()), NotFound);

  Registry broken;
  broken.register_plugin({"broken", "0", "broken.so", {}}, nullptr, [&](Registrar& r) {
    r.add_canonizer(std::make_shared<Replace>(g.at("fc"), make_linear(Tensor({7, 6}), {})));
  });
  const std::vector<std::string> replace{"replace"};
  CHECK_THROWS_WITH(canonize(model, replace, broken, context->backend()),
                    Catch::Contains("canonizer 'replace' changes the output shape of node 'fc'"));
  Registry outside;
  outside.register_plugin({"outside", "0", "outside.so", {}}, nullptr, [&](Registrar& r) {
    r.add_canonizer(std::make_shared<Replace>(g.size() + 3, make_relu()));
  });
  CHECK_THROWS_WITH(canonize(model, replace, outside, context->backend()),
                    Catch::Contains("canonizer 'replace' replaces node"));
}

TEST_CASE("a composite file reads into the composite it describes", "[composite][file]") {
  TempDir dir;
  const std::string file = dir / "mine.json";
  std::ofstream(file) << R"({
    "summary": "mine",
    "layers": [
      {"node": ["conv2"], "rule": "flat"},
      {"kind": ["activation"], "rule": "pass"},
      {"op": "AveragePool", "rule": "epsilon", "params": {"epsilon": 0.25}},
      {"linear": true, "rule": "zbox", "params": {"low": [-1, -2, -3], "high": "1"}}
    ],
    "first": [{"op": "Conv", "rule": "alpha-beta", "params": {"alpha": 2, "beta": 1}}],
    "last": [{"op": "Gemm", "rule": "epsilon", "params": {"epsilon": 1e-6}}]
  })";
  const CompositeInfo c = read_composite_file(file, registry());
  CHECK(c.name == file);
  CHECK(c.summary == "mine");
  CHECK(c.layers == std::vector<CompositeEntry>{
                        {NodeSelector::nodes({"conv2"}), {"flat", {}}},
                        {NodeSelector::kinds({"activation"}), {"pass", {}}},
                        {NodeSelector::ops({"AveragePool"}), {"epsilon", {{"epsilon", "0.25"}}}},
                        {NodeSelector::linear(), {"zbox", {{"low", "-1,-2,-3"}, {"high", "1"}}}}});
  CHECK(c.first == std::vector<CompositeEntry>{{NodeSelector::ops({"Conv"}),
                                                {"alpha-beta", {{"alpha", "2"}, {"beta", "1"}}}}});
  CHECK(c.last == std::vector<CompositeEntry>{
                      {NodeSelector::ops({"Gemm"}), {"epsilon", {{"epsilon", "1e-6"}}}}});
  // By name or by file: find_composite reads paths ending in .json.
  CHECK(find_composite(registry(), file).layers == c.layers);
  CHECK(find_composite(registry(), "epsilon-plus").name == "epsilon-plus");
}

TEST_CASE("a bad composite file is refused, naming the file and the key at fault",
          "[composite][file]") {
  TempDir dir;
  const std::string file = dir / "bad.json";
  const auto refused = [&](const std::string& text, const std::string& key,
                           const std::string& problem) {
    std::ofstream(file) << text;
    CAPTURE(text);
    CHECK_THROWS_AS(read_composite_file(file, registry()), InvalidArgument);
    CHECK_THROWS_WITH(read_composite_file(file, registry()),
                      Catch::Contains("composite file '" + file + "'") && Catch::Contains(key) &&
                          Catch::Contains(problem));
  };
  const std::string ok = R"("rule": "epsilon")";
  refused(R"({"layers": [{"linear": true, )", "", "not valid JSON");
  refused(R"([{"linear": true, "rule": "epsilon"}])", "", "top level must be an object");
  refused(R"({"layer": []})", "key 'layer'", "unknown key; known: summary, layers, first, last");
  refused(R"({"summary": 3, "layers": []})", "key 'summary'", "must be a string");
  refused(R"({"layers": {"linear": true}})", "key 'layers'", "must be an array");
  refused(R"({"layers": ["epsilon"]})", "key 'layers[0]'", "must be an object");
  refused(R"({"layers": [{"linear": true, "rulez": "epsilon"}]})", "key 'layers[0].rulez'",
          "unknown key");
  refused(R"({"first": [{)" + ok + "}]}", "key 'first[0]'", "no selector");
  refused(R"({"layers": [{"op": "Conv", "kind": "linear", )" + ok + "}]}", "key 'layers[0]'",
          "one selector per entry, got kind, op");
  refused(R"({"layers": [{"kind": "convolution", )" + ok + "}]}", "key 'layers[0].kind'",
          "unknown layer kind 'convolution'; known: input, linear, activation");
  refused(R"({"layers": [{"linear": false, )" + ok + "}]}", "key 'layers[0].linear'",
          "must be true");
  refused(R"({"layers": [{"op": [], )" + ok + "}]}", "key 'layers[0].op'",
          "a string or a non-empty array of strings");
  refused(R"({"layers": [{"node": ["a", 2], )" + ok + "}]}", "key 'layers[0].node'",
          "a string or a non-empty array of strings");
  refused(R"({"last": [{"op": "Gemm"}]})", "key 'last[0].rule'", "missing");
  refused(R"({"layers": [{"linear": true, "rule": "epsilom"}]})", "key 'layers[0].rule'",
          "unknown rule 'epsilom'; registered relevance rules: ");
  refused(R"({"layers": [{"linear": true, "rule": "gradient"}]})", "key 'layers[0].rule'",
          "rule 'gradient' propagates gradients, not relevance");
  refused(R"({"layers": [{"linear": true, "rule": "epsilon", "params": 1}]})",
          "key 'layers[0].params'", "must be an object");
  refused(R"({"layers": [{"linear": true, "rule": "epsilon", "params": {"gamma": 1}}]})",
          "key 'layers[0].params'", "unknown parameter 'gamma'");
  refused(R"({"layers": [{"linear": true, "rule": "epsilon", "params": {"epsilon": -1}}]})",
          "key 'layers[0].params'", "out of range");
  refused(R"({"layers": [{"linear": true, "rule": "epsilon", "params": {"epsilon": null}}]})",
          "key 'layers[0].params.epsilon'", "must be a number, a string");
  refused(R"({"layers": [{"linear": true, "rule": "zbox", "params": {"low": ["0"]}}]})",
          "key 'layers[0].params.low'", "an array value must hold numbers only");
  refused(R"({"summary": "nothing"})", "", "no entries");
  // A file that cannot be read is an IoError naming it.
  CHECK_THROWS_AS(read_composite_file(dir / "missing.json", registry()), IoError);
  CHECK_THROWS_WITH(read_composite_file(dir / "missing.json", registry()),
                    Catch::Contains("missing.json"));
}
