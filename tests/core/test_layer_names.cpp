// The names a user gives a layer: node names, PyTorch module paths, and the default layer.
#include <catch2/catch.hpp>
#include <lumen/error.hpp>
#include <lumen/explainer.hpp>
#include <lumen/layer_names.hpp>
#include <lumen/layers.hpp>
#include <lumen/model.hpp>
#include <utility>

using namespace lumen;
using Catch::Contains;

namespace {

// A SqueezeNet-like model with the names torch.onnx.export gives its nodes: two feature blocks,
// then a classifier convolution (one 4x4 map per class), ReLU, global average pooling, Flatten.
Model squeeze_like() {
  Graph g;
  const auto x = g.add_input("input", {1, 4, 4});
  Conv2dParams conv;
  conv.weight = Tensor({2, 1, 3, 3}, 0.1F);
  conv.pads = {1, 1, 1, 1};
  auto id = g.add_node("/features/features.0/features.0.0/Conv", "a", make_conv2d(conv), {x});
  id = g.add_node("/features/features.0/features.0.1/Relu", "b", make_relu(), {id});
  conv.weight = Tensor({2, 2, 3, 3}, 0.1F);
  id = g.add_node("/features/features.1/conv1/Conv", "c", make_conv2d(conv), {id});
  id = g.add_node("/features/features.1/relu_1/Relu", "d", make_relu(), {id});
  Conv2dParams classifier;
  classifier.weight = Tensor({3, 2, 1, 1}, 0.1F);
  id = g.add_node("/classifier/classifier.1/Conv", "e", make_conv2d(classifier), {id});
  id = g.add_node("/classifier/classifier.2/Relu", "f", make_relu(), {id});
  id = g.add_node("/classifier/classifier.3/GlobalAveragePool", "g", make_global_average_pool(),
                  {id});
  id = g.add_node("/Flatten", "logits", make_flatten(1), {id});
  g.finalize(id);
  return Model(std::move(g), InputSpec{{1, 4, 4}, {}, {}});
}

}  // namespace

TEST_CASE("module_path reads the module torch.onnx.export named a node after", "[graph]") {
  CHECK(module_path("/layer4/layer4.1/relu_1/Relu") == "layer4.1.relu_1");
  CHECK(module_path("/layer4/layer4.0/downsample/downsample.0/Conv") == "layer4.0.downsample.0");
  CHECK(module_path("/features/features.29/Relu") == "features.29");
  CHECK(module_path("/features/features.7/features.7.0/block/block.3/block.3.0/Conv") ==
        "features.7.0.block.3.0");
  CHECK(module_path("/layer4/layer4.0/Add") == "layer4.0");
  CHECK(module_path("/Flatten").empty());
  CHECK(module_path("conv1").empty());
  CHECK(module_path("Identity_0").empty());
}

TEST_CASE("resolve_layer takes node names, tensor names and module paths", "[graph]") {
  const Model model = squeeze_like();
  const Graph& g = model.graph();
  auto name = [&](std::string_view given) { return g.node(resolve_layer(g, given)).name; };
  CHECK(name("/features/features.1/conv1/Conv") == "/features/features.1/conv1/Conv");
  CHECK(name("c") == "/features/features.1/conv1/Conv");  // its output tensor
  // A module stands for its output: its last node.
  CHECK(name("features") == "/features/features.1/relu_1/Relu");
  CHECK(name("features.0") == "/features/features.0/features.0.1/Relu");
  CHECK(name("features.0.0") == "/features/features.0/features.0.0/Conv");
  CHECK(name("features.1.conv1") == "/features/features.1/conv1/Conv");
  CHECK(name("classifier") == "/classifier/classifier.3/GlobalAveragePool");
  CHECK_THROWS_AS(resolve_layer(g, "features.1.conv"), NotFound);
  CHECK_THROWS_WITH(resolve_layer(g, "featurez"),
                    Contains("no node, tensor or module named 'featurez'; closest: features,"));
  // A prefix of a module's name is not that module.
  CHECK_THROWS_AS(resolve_layer(g, "feat"), NotFound);
}

TEST_CASE("closest_names orders by edit distance, first seen first on ties", "[graph]") {
  CHECK(closest_names("layer5", {"conv", "layer4", "layer1", "layer", "layer4.1"}, 3) ==
        std::vector<std::string>{"layer4", "layer1", "layer"});
  CHECK(closest_names("x", {"a", "a", "b"}, 5) == std::vector<std::string>{"a", "b"});
}

TEST_CASE("the default layer stops before a classifier convolution", "[cam]") {
  const Model model = squeeze_like();
  // Not the classifier's ReLU (one map per class): the features' last map.
  CHECK(model.graph().node(default_spatial_layer(model)).name ==
        "/features/features.1/relu_1/Relu");
}
