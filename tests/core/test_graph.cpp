#include <catch2/catch.hpp>
#include <lumen/error.hpp>
#include <lumen/explainer.hpp>
#include <lumen/graph.hpp>
#include <lumen/layers.hpp>
#include <lumen/model.hpp>

#include "test_models.hpp"

using namespace lumen;

TEST_CASE("graph infers shapes, orders nodes topologically and finds nodes by either name",
          "[graph]") {
  const Model m = testing::residual_net(1);
  const Graph& g = m.graph();
  const auto& order = g.topological_order();
  REQUIRE(order.size() == g.size());
  std::vector<std::size_t> position(g.size());
  for (std::size_t i = 0; i < order.size(); ++i) position[order[i]] = i;
  for (NodeId id = 0; id < g.size(); ++id) {
    for (NodeId in : g.node(id).inputs) CHECK(position[in] < position[id]);
  }
  CHECK(g.node(g.at("concat")).output_shape == Shape{1, 6, 8, 8});
  CHECK(g.at("logits") == g.at("fc"));
  CHECK(g.consumers(g.at("stem_relu")).size() == 3);
  CHECK(m.logits_node() == g.at("fc"));
  CHECK(m.class_count() == 4);
  CHECK_THROWS_WITH(g.at("conv9"),
                    Catch::Contains("no node or tensor named 'conv9'") && Catch::Contains("stem"));
}

TEST_CASE("a model ending in softmax reports the softmax's input as logits", "[graph]") {
  const Model m = testing::conv_net(1);
  CHECK(m.graph().node(m.logits_node()).name == "fc");
  CHECK(m.label(3) == "3");
}

TEST_CASE("graph construction errors name the node", "[graph]") {
  Graph g;
  auto x = g.add_input("input", {3, 4, 4});
  Conv2dParams p;
  p.weight = Tensor({2, 5, 3, 3});  // expects 5 input channels
  CHECK_THROWS_WITH(g.add_node("bad_conv", "", make_conv2d(p), {x}), Catch::Contains("bad_conv"));
  CHECK_THROWS_WITH(g.add_node("reader", "", make_relu(), {7}), Catch::Contains("reader"));
  g.add_node("relu", "", make_relu(), {x});
  CHECK_THROWS_WITH(g.add_node("relu", "", make_relu(), {x}), Catch::Contains("'relu'"));
}

TEST_CASE("model input checks name the mismatch and non-finite values", "[graph]") {
  const Model m = testing::dense_net(1);
  CHECK_THROWS_WITH(m.check_input(Tensor({1, 1, 4, 5})),
                    Catch::Contains("[1,1,4,5]") && Catch::Contains("[1,1,4,4]"));
  Tensor x({2, 1, 4, 4});
  x[20] = std::numeric_limits<float>::infinity();
  CHECK_THROWS_WITH(m.check_input(x), Catch::Contains("sample 1") && Catch::Contains("element 4"));
  CHECK_NOTHROW(m.check_input(Tensor({3, 1, 4, 4})));
}

TEST_CASE("gap_head finds a global-average-pooling head and says what else a model has",
          "[graph]") {
  const Model conv = testing::conv_net(1);
  const GapHead head = gap_head(conv);
  CHECK(conv.graph().node(head.features).name == "features");
  CHECK(conv.graph().node(head.pool).name == "gap");
  CHECK(conv.graph().node(head.linear).name == "fc");
  CHECK(has_gap_head(conv));
  CHECK_FALSE(has_gap_head(testing::residual_net(1)));
  CHECK_THROWS_WITH(gap_head(testing::residual_net(1)),
                    Catch::Contains("'fc' (Gemm) reads 'avgpool' (AveragePool)"));
  CHECK_THROWS_WITH(gap_head(testing::dense_net(1)), Catch::Contains("'relu' (Relu)"));
}
