#include <algorithm>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include "cli_runner.hpp"
#include "lumen/io.hpp"
#include "lumen/onnx_writer.hpp"

using namespace lumen::cli_test;
using Catch::Contains;
using lumen::Shape;

namespace {

std::string explain_args(const std::string& image, const std::string& method,
                         const std::string& out) {
  return "explain --model '" + shapes_model() + "' --input '" + image + "' --method " + method +
         " --out '" + out + "'";
}

nlohmann::json read_json(const std::string& file) { return nlohmann::json::parse(read_text(file)); }

}  // namespace

TEST_CASE("explain writes the raw attribution and a JSON record with the documented keys",
          "[cli]") {
  const TempDir dir;
  const Run r = run_lumen(explain_args(shapes_image("vertical-bar"), "saliency", dir / "s.npy"));
  REQUIRE(r.exit_code == 0);
  const lumen::Tensor map = lumen::read_npy(dir / "s.npy");
  CHECK(map.shape() == Shape{1, 1, 32, 32});
  CHECK(std::all_of(map.values().begin(), map.values().end(), [](float v) { return v >= 0.0F; }));

  const auto doc = read_json(dir / "s.json");
  for (const char* key : {"method", "model", "input", "params", "layer", "raw_layer",
                          "output_shape", "samples", "passes", "seconds", "notes", "outputs",
                          "colour_map", "backend", "plugin_files", "threads", "seed"}) {
    INFO(key);
    CHECK(doc.contains(key));
  }
  CHECK(doc["method"] == "saliency");
  CHECK(doc["params"] == nlohmann::json{{"abs", true}});
  CHECK(doc["output_shape"] == std::vector<int>{1, 1, 32, 32});
  CHECK(doc["outputs"] == std::vector<std::string>{dir / "s.npy"});
  CHECK(doc["passes"]["forward"].get<int>() >= 1);
  CHECK(doc["passes"]["backward"].get<int>() >= 1);
  CHECK(doc["seconds"].get<double>() >= 0.0);
  CHECK(doc["notes"].is_array());
  CHECK(doc["colour_map"].is_null());
  // Which files supplied the method, the importer and each backend of the chain.
  CHECK_THAT(doc["plugin_files"]["explainer"].get<std::string>(),
             Contains("liblumen-explainers-saliency"));
  CHECK_THAT(doc["plugin_files"]["importer"].get<std::string>(), Contains("onnx"));
  CHECK(doc["plugin_files"]["backends"].size() >= 1);
  const auto& sample = doc["samples"].at(0);
  CHECK(sample["target"] == 1);
  CHECK(sample["target_label"] == "vertical-bar");
  CHECK(sample["prediction"]["class"] == 1);
  CHECK(sample["prediction"]["label"] == "vertical-bar");
  CHECK(sample["prediction"]["probability"].get<double>() > 0.9);
  CHECK_THAT(r.out, Contains("wrote " + (dir / "s.npy")) && Contains("wrote " + (dir / "s.json")));
}

TEST_CASE("explain's record names the plugin file of each rule, composite and canonizer used",
          "[cli]") {
  const TempDir dir;
  const std::string image = shapes_image("horizontal-bar");
  REQUIRE(run_lumen(explain_args(image, "lrp", dir / "zennit.npy") +
                    " --param composite=epsilon-plus --param canonizers=merge-batch-norm")
              .exit_code == 0);
  const auto files = read_json(dir / "zennit.json")["plugin_files"];
  CHECK_THAT(files["explainer"].get<std::string>(), Contains("liblumen-explainers-lrp.so"));
  CHECK_THAT(files["composites"]["epsilon-plus"].get<std::string>(),
             Contains("liblumen-composites-zennit.so"));
  CHECK_THAT(files["canonizers"]["merge-batch-norm"].get<std::string>(),
             Contains("liblumen-canonizers-merge-batch-norm.so"));
  // epsilon-plus on this model: z+ at the convolutions, epsilon at the dense layers, pass at the
  // activations, lrp's max-pool rule at the max-pooling.
  REQUIRE(files["rules"].size() == 4);
  for (const char* rule : {"epsilon", "pass", "zplus", "winner-take-all"}) {
    INFO(rule);
    REQUIRE(files["rules"].contains(rule));
    CHECK_THAT(files["rules"][rule].get<std::string>(), Contains("liblumen-rules-"));
  }

  // A composite read from a JSON file is its own file; one rule everywhere names no composite.
  const std::string composite = dir / "mine.json";
  {
    std::ofstream out(composite);
    out << R"({"summary": "epsilon everywhere", "layers": [{"linear": true, "rule": "epsilon"}]})";
  }
  REQUIRE(run_lumen(explain_args(image, "lrp", dir / "file.npy") +
                    " --param 'composite=" + composite + "' --param canonizers=")
              .exit_code == 0);
  const auto from_file = read_json(dir / "file.json")["plugin_files"];
  CHECK(from_file["composites"][composite] == composite);
  CHECK(from_file["rules"].size() == 2);          // epsilon, and winner-take-all at the max-pooling
  CHECK_FALSE(from_file.contains("canonizers"));  // none asked for
  REQUIRE(
      run_lumen(explain_args(image, "lrp", dir / "one.npy") + " --param rule=zplus").exit_code ==
      0);
  const auto one = read_json(dir / "one.json")["plugin_files"];
  CHECK_FALSE(one.contains("composites"));
  CHECK(one["rules"].contains("zplus"));

  // A method built on other explainers names them, and what they used.
  REQUIRE(run_lumen(explain_args(image, "smoothgrad", dir / "smooth.npy") +
                    " --param base=guided-backprop --param samples=2")
              .exit_code == 0);
  const auto smooth = read_json(dir / "smooth.json")["plugin_files"];
  CHECK_THAT(smooth["explainers"]["guided-backprop"].get<std::string>(),
             Contains("liblumen-explainers-relu-backprop.so"));
  CHECK_THAT(smooth["rules"]["guided-relu"].get<std::string>(),
             Contains("liblumen-rules-guided-relu.so"));
}

TEST_CASE("explain passes parameters and targets to the explainer", "[cli]") {
  const TempDir dir;
  const std::string image = shapes_image("horizontal-bar");
  REQUIRE(run_lumen(explain_args(image, "saliency", dir / "abs.npy")).exit_code == 0);
  REQUIRE(run_lumen(explain_args(image, "saliency", dir / "signed.npy") + " --param abs=false")
              .exit_code == 0);
  REQUIRE(run_lumen(explain_args(image, "saliency", dir / "t2.npy") + " --target 2").exit_code ==
          0);
  const lumen::Tensor a = lumen::read_npy(dir / "abs.npy"), s = lumen::read_npy(dir / "signed.npy"),
                      t2 = lumen::read_npy(dir / "t2.npy");
  CHECK(read_json(dir / "signed.json")["params"]["abs"] == false);
  CHECK(std::any_of(s.values().begin(), s.values().end(), [](float v) { return v < 0.0F; }));
  bool differs = false;
  for (std::int64_t i = 0; i < a.size(); ++i) {
    REQUIRE(a[i] == std::abs(s[i]));
    differs = differs || t2[i] != a[i];
  }
  CHECK(differs);
  const auto t2_doc = read_json(dir / "t2.json");
  CHECK(t2_doc["samples"][0]["target"] == 2);
  CHECK(t2_doc["samples"][0]["target_label"] == "spot");
  CHECK(t2_doc["samples"][0]["prediction"]["class"] == 0);
}

TEST_CASE("explain with a layer-space method writes upsampled or raw layer maps", "[cli]") {
  const TempDir dir;
  const std::string image = shapes_image("spot");
  REQUIRE(run_lumen(explain_args(image, "grad-cam", dir / "up.npy")).exit_code == 0);
  CHECK(lumen::read_npy(dir / "up.npy").shape() == Shape{1, 1, 32, 32});
  REQUIRE(run_lumen(explain_args(image, "grad-cam", dir / "raw.npy") + " --raw-layer").exit_code ==
          0);
  CHECK(lumen::read_npy(dir / "raw.npy").shape() == Shape{1, 1, 16, 16});
  CHECK(read_json(dir / "raw.json")["output_shape"] == std::vector<int>{1, 1, 16, 16});
  // --layer by node name and by output tensor name.
  for (const char* layer : {"conv1", "features"}) {
    INFO(layer);
    const Run r = run_lumen(explain_args(image, "grad-cam", dir / "c1.npy") +
                            " --raw-layer --layer " + layer);
    REQUIRE(r.exit_code == 0);
    CHECK(lumen::read_npy(dir / "c1.npy").shape() == Shape{1, 1, 32, 32});
    CHECK(read_json(dir / "c1.json")["layer"] == "conv1");
    CHECK_THAT(r.err, !Contains("warning"));
  }
  // A layer of 1x1 maps is taken, with a warning: the map is constant.
  const Run pooled =
      run_lumen(explain_args(image, "grad-cam", dir / "gap.npy") + " --raw-layer --layer gap");
  REQUIRE(pooled.exit_code == 0);
  CHECK_THAT(pooled.err, Contains("warning: --layer gap is node 'gap', whose maps are 1x1"));
}

TEST_CASE("explain --raw-layer with lrp --layer writes the relevance at the layer", "[cli]") {
  const TempDir dir;
  const std::string image = shapes_image("spot");
  const std::string layer_args = explain_args(image, "lrp", dir / "layer.npy") + " --layer conv1";
  REQUIRE(run_lumen(layer_args + " --raw-layer").exit_code == 0);
  const lumen::Tensor layer_map = lumen::read_npy(dir / "layer.npy");
  REQUIRE(layer_map.dim(0) == 1);
  CHECK(layer_map.dim(1) > 1);  // every channel, not a channel summary
  CHECK(layer_map.shape() == Shape{1, layer_map.dim(1), 32, 32});
  const auto doc = read_json(dir / "layer.json");
  CHECK(doc["layer"] == "conv1");
  CHECK(doc["raw_layer"] == true);
  CHECK(doc["output_shape"] == layer_map.shape());

  // Without --raw-layer the input relevance is written, the same as without --layer.
  REQUIRE(run_lumen(layer_args).exit_code == 0);
  REQUIRE(run_lumen(explain_args(image, "lrp", dir / "plain.npy")).exit_code == 0);
  CHECK(read_text(dir / "layer.npy") == read_text(dir / "plain.npy"));
  CHECK(lumen::read_npy(dir / "plain.npy").shape() == Shape{1, 1, 32, 32});
  CHECK(read_json(dir / "plain.json")["layer"].is_null());

  // lrp has a layer map only at a requested layer.
  const Run refused = run_lumen(explain_args(image, "lrp", dir / "no.npy") + " --raw-layer");
  CHECK(refused.exit_code == 2);
  CHECK_THAT(refused.err, Contains("--layer"));
}

TEST_CASE("explain of an .npy batch writes one heatmap per sample", "[cli]") {
  const TempDir dir;
  const lumen::Tensor h = lumen::read_image(shapes_image("horizontal-bar"));
  const lumen::Tensor v = lumen::read_image(shapes_image("vertical-bar"));
  const lumen::Tensor parts[] = {h, v};
  lumen::write_npy(dir / "batch.npy", lumen::Tensor::concat_batch(parts));
  const Run r =
      run_lumen("explain --model '" + shapes_model() + "' --input '" + (dir / "batch.npy") +
                "' --method grad-cam --out '" + (dir / "heat.png") + "'");
  REQUIRE(r.exit_code == 0);
  for (const char* name : {"heat_0.png", "heat_1.png"}) {
    const lumen::Tensor png = lumen::read_image(dir / name);
    CHECK(png.shape() == Shape{1, 3, 32, 32});
  }
  CHECK(!std::filesystem::exists(dir / "heat.png"));
  const auto doc = read_json(dir / "heat.json");
  CHECK(doc["outputs"] == std::vector<std::string>{dir / "heat_0.png", dir / "heat_1.png"});
  CHECK(doc["colour_map"] == "sequential");  // Grad-CAM is unsigned
  CHECK(doc["samples"][0]["target"] == 0);
  CHECK(doc["samples"][1]["target"] == 1);
  CHECK(doc["samples"][1]["output"] == dir / "heat_1.png");

  // A single [C,H,W] array is one sample, written to OUT itself.
  lumen::write_npy(dir / "one.npy", v.reshaped({1, 32, 32}));
  REQUIRE(run_lumen("explain --model '" + shapes_model() + "' --input '" + (dir / "one.npy") +
                    "' --method lrp --out '" + (dir / "one.png") + "'")
              .exit_code == 0);
  CHECK(lumen::read_image(dir / "one.png").shape() == Shape{1, 3, 32, 32});
}

TEST_CASE("explain gives the same attribution whatever the thread count", "[cli]") {
  const TempDir dir;
  for (const char* method : {"saliency", "grad-cam", "lrp"}) {
    INFO(method);
    const std::string image = shapes_image("spot");
    REQUIRE(run_lumen("--threads 1 " + explain_args(image, method, dir / "one.npy")).exit_code ==
            0);
    REQUIRE(run_lumen(explain_args(image, method, dir / "two.npy") + " --threads 2").exit_code ==
            0);
    CHECK(read_json(dir / "one.json")["threads"] == 1);
    CHECK(read_json(dir / "two.json")["threads"] == 2);
    CHECK(read_text(dir / "one.npy") == read_text(dir / "two.npy"));
  }
}

TEST_CASE("explain --channels chooses how PNG heatmaps show channels", "[cli]") {
  // A 3-channel model (Flatten -> Gemm), so there are channels to combine or to split.
  const TempDir dir;
  const std::string model = dir / "rgb.onnx";
  lumen::Tensor weight({2, 48});
  for (std::int64_t i = 0; i < weight.size(); ++i)
    weight[i] = static_cast<float>((i * 7) % 5) - 2.0F;
  lumen::onnx_writer::ModelBuilder()
      .add_input("x", {"N", 3, 4, 4})
      .add_initializer("w", weight)
      .add_node("Flatten", {"x"}, {"f"})
      .add_node("Gemm", {"f", "w"}, {"y"}, {{"transB", std::int64_t{1}}})
      .add_output("y")
      .save(model);
  lumen::Tensor x({1, 3, 4, 4});
  for (std::int64_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 11) / 10.0F;
  lumen::write_npy(dir / "x.npy", x);
  const std::string base = "explain --model '" + model + "' --input '" + (dir / "x.npy") +
                           "' --method saliency --param abs=false --target 0 ";

  const Run none = run_lumen(base + "--channels none --out '" + (dir / "none.png") + "'");
  REQUIRE(none.exit_code == 0);
  for (const char* c : {"_c0", "_c1", "_c2"}) {
    CHECK(std::filesystem::file_size(dir / (std::string("none") + c + ".png")) > 0);
  }
  CHECK(read_json(dir / "none.json")["outputs"].size() == 3);
  CHECK(read_json(dir / "none.json")["channels"] == "none");

  for (const char* mode : {"max", "sum", "auto"}) {
    const std::string out = dir / (std::string(mode) + ".png");
    const Run r = run_lumen(base + "--channels " + mode + " --out '" + out + "'");
    REQUIRE(r.exit_code == 0);
    CHECK(std::filesystem::file_size(out) > 0);
  }
  CHECK(read_text(dir / "max.png") != read_text(dir / "sum.png"));
  CHECK(read_text(dir / "sum.png") == read_text(dir / "auto.png"));  // signed map: auto is sum

  const Run npy = run_lumen(base + "--channels max --out '" + (dir / "x_out.npy") + "'");
  CHECK(npy.exit_code == 2);
  CHECK_THAT(npy.err, Contains("--channels"));
}

TEST_CASE("explain records a method's details and --dump-clusters writes them", "[cli]") {
  const TempDir dir;
  const std::string args = explain_args(shapes_image("spot"), "cluster-cam", dir / "c.png") +
                           " --param clusters=3 --dump-clusters '" + (dir / "clusters") + "'";
  const Run r = run_lumen(args);
  REQUIRE(r.exit_code == 0);
  const auto doc = read_json(dir / "c.json");
  std::vector<std::string> names;
  for (const auto& d : doc["details"]) names.push_back(d["name"]);
  for (const char* name : {"cognition_base", "cognition_scissors", "cluster_scores",
                           "cluster_of_map", "cluster_masks"}) {
    INFO(name);
    CHECK(std::find(names.begin(), names.end(), name) != names.end());
  }
  const auto& details = doc["samples"][0]["details"];
  CHECK(details["cognition_base"].get<int>() >= 0);
  CHECK(details["cognition_base"].get<int>() < 3);
  REQUIRE(details["cluster_scores"].size() == 3);
  const auto& scores = details["cluster_scores"];
  CHECK(scores[details["cognition_base"].get<int>()].get<double>() >=
        scores[details["cognition_scissors"].get<int>()].get<double>());
  REQUIRE(details["cluster_masks"].size() == 3);
  for (const auto& png : details["cluster_masks"]) {
    CHECK(std::filesystem::file_size(png.get<std::string>()) > 0);
  }
  CHECK(lumen::read_npy(dir / "clusters/cluster_masks.npy").shape() == Shape{1, 3, 32, 32});
  CHECK(lumen::read_npy(dir / "clusters/cluster_scores.npy").shape() == Shape{1, 3});
  CHECK_THAT(r.out, Contains("detail files to"));

  // Without the flag the numbers are still in the record, the masks only by their shape.
  REQUIRE(run_lumen(explain_args(shapes_image("spot"), "cluster-cam", dir / "n.npy")).exit_code ==
          0);
  const auto plain = read_json(dir / "n.json");
  CHECK(plain["samples"][0]["details"].contains("cluster_scores"));
  CHECK_FALSE(plain["samples"][0]["details"].contains("cluster_masks"));
  CHECK_FALSE(std::filesystem::exists(dir / "n"));
}
