#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "cli_runner.hpp"
#include "lumen/io.hpp"
#include "lumen/onnx_writer.hpp"
#include "lumen/tensor.hpp"

using namespace lumen::cli_test;
using Catch::Contains;

namespace {

const std::vector<std::string> example_labels{"horizontal-bar", "vertical-bar", "spot"};

std::int64_t without_separators(std::string text) {
  text.erase(std::remove(text.begin(), text.end(), ','), text.end());
  return std::stoll(text);
}

}  // namespace

TEST_CASE("lumen and every subcommand answer --help", "[cli]") {
  const Run top = run_lumen("--help");
  REQUIRE(top.exit_code == 0);
  for (const char* flag : {"--log-level", "--threads", "--seed", "--backend"})
    CHECK_THAT(top.out, Contains(flag));
  const std::vector<std::pair<std::string, std::vector<std::string>>> commands{
      {"plugins", {"--model", "--input-shape"}},
      {"inspect", {"model", "--input-shape"}},
      {"predict", {"--model", "--input", "--top", "--json", "--mean", "--std", "--input-shape"}},
      {"explain",
       {"--model", "--input-shape", "--input", "--method", "--param", "--target", "--layer",
        "--raw-layer", "--mean", "--std", "--out", "--dump-details", "--dump-clusters"}},
      {"demo", {"--out", "--per-class"}},
      {"bench",
       {"--model", "--input-shape", "--methods", "--input", "--images", "--warmup", "--param",
        "--layer", "--relative-to", "--json"}}};
  for (const auto& [name, flags] : commands) {
    INFO(name);
    CHECK_THAT(top.out, Contains(name));
    const Run r = run_lumen(name + " --help");
    REQUIRE(r.exit_code == 0);
    for (const auto& flag : flags) CHECK_THAT(r.out, Contains(flag));
  }
}

TEST_CASE("usage errors exit with 2", "[cli]") {
  CHECK(run_lumen("").exit_code == 2);
  CHECK(run_lumen("frobnicate").exit_code == 2);
  CHECK(run_lumen("plugins --no-such-flag").exit_code == 2);
  CHECK(run_lumen("predict --model x.onnx").exit_code == 2);  // --input missing
  CHECK(run_lumen("--threads -3 plugins").exit_code == 2);
  CHECK(run_lumen("--log-level chatty plugins").exit_code == 2);
  const Run r = run_lumen("explain --model m.onnx --input x.npy --method saliency --out out.txt");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains(".npy or .png"));
}

TEST_CASE("a seed that is not a 64-bit whole number is refused, never wrapped or clamped",
          "[cli]") {
  for (const std::string seed : {"-1", "18446744073709551616", "99999999999999999999999", "12x"}) {
    const Run r = run_lumen("--seed " + seed + " plugins");
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Contains("--seed: '" + seed + "' is not a whole number"));
  }
  CHECK(run_lumen("--seed 18446744073709551615 plugins").exit_code == 0);
}

TEST_CASE("lumen plugins lists the explainers with their parameters", "[cli]") {
  const Run r = run_lumen("plugins");
  REQUIRE(r.exit_code == 0);
  const auto explainers = r.out.find("Explainers (");
  const auto rules = r.out.find("Rules (");
  REQUIRE(explainers != std::string::npos);
  REQUIRE(rules != std::string::npos);
  const std::string section = r.out.substr(explainers, rules - explainers);
  for (const char* name :
       {"\n  saliency  [gradient", "\n  grad-cam  [cam", "\n  lrp  [propagation"}) {
    CHECK_THAT(section, Contains(name));
  }
  CHECK_THAT(section, Contains("abs  boolean  default true"));
  CHECK_THAT(r.out, Contains("Backends (") && Contains("cpu-blas"));
  CHECK_THAT(r.out, Contains("Importers (") && Contains(".onnx"));
  CHECK_THAT(r.out, Contains("Load failures (0)"));
  CHECK_THAT(r.out, Contains("liblumen-explainers-saliency.so"));
}

TEST_CASE("lumen plugins lists the composites with their entries and the canonizers", "[cli]") {
  const Run r = run_lumen("plugins");
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("Composites (5), for lrp, deep-taylor and cnn-lrp (composite=NAME):"));
  CHECK_THAT(r.out, Contains("\n  epsilon-gamma-box\n    Zennit's EpsilonGammaBox"));
  CHECK_THAT(r.out,
             Contains("    layers: kind activation -> pass; op AveragePool|GlobalAveragePool "
                      "-> epsilon (epsilon=1e-6); op Conv|ConvTranspose -> gamma; linear -> "
                      "epsilon\n"
                      "    first: op Conv|ConvTranspose -> zbox\n"));
  CHECK_THAT(r.out, Contains("Canonizers (1), applied with canonizers=NAME,...:\n"
                             "  merge-batch-norm\n"));
  CHECK_THAT(r.out, Contains("registers: composite epsilon-plus, composite epsilon-alpha2-beta1, "
                             "composite epsilon-plus-flat, composite epsilon-alpha2-beta1-flat, "
                             "composite epsilon-gamma-box\n"));
  // lrp's parameters name them.
  CHECK_THAT(r.out, Contains("canonizers  list of choices  default merge-batch-norm  each one of "
                             "merge-batch-norm"));
}

TEST_CASE("lumen plugins --model says which methods can run on the model and why not", "[cli]") {
  // Flatten -> Gemm: no GAP head, no spatial layer.
  const TempDir dir;
  const std::string flat = dir / "flat.onnx";
  write_flat_model(flat, 1, 4, 3);
  const Run r = run_lumen("plugins --model '" + flat + "'");
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("Explainers on " + flat + ": "));
  CHECK_THAT(r.out, Contains("\n  cam  not runnable: needs a GAP head: the model does not end in "
                             "GlobalAveragePool") &&
                        Contains("'fc' (Gemm) reads 'x'"));
  CHECK_THAT(r.out, Contains("\n  grad-cam  not runnable: needs a spatial layer [N,C,h,w]"));
  CHECK_THAT(r.out, Contains("\n  saliency  runnable\n"));
  CHECK_THAT(r.out, Contains("\n  lrp  runnable\n"));
  CHECK_THAT(r.out, !Contains("Backends ("));  // only the explainers

  // The bundled example ends in a GAP head.
  const Run shapes = run_lumen("plugins --model '" + shapes_model() + "'");
  REQUIRE(shapes.exit_code == 0);
  CHECK_THAT(shapes.out, Contains("\n  cam  runnable\n") && Contains("\n  grad-cam  runnable\n"));

  const Run missing = run_lumen("plugins --model '" + (dir / "missing.onnx") + "'");
  CHECK(missing.exit_code == 1);
  CHECK_THAT(missing.err, Contains("missing.onnx"));
}

TEST_CASE("lumen inspect prints the nodes in order, parameters and FLOPs", "[cli]") {
  const Run r = run_lumen("inspect '" + shapes_model() + "'");
  REQUIRE(r.exit_code == 0);
  std::size_t at = 0;
  for (const char* node : {"conv1", "relu1", "pool1", "conv2", "relu2", "gap", "flatten", "fc"}) {
    INFO(node);
    const auto found = r.out.find(std::string("  ") + node + " ", at);
    REQUIRE(found != std::string::npos);
    at = found;
  }
  // conv1: 4 filters 3x3 + 4 biases; conv2: 3 x 4 x 3x3 + 3; fc: 3x3 + 3.
  CHECK_THAT(r.out, Contains("parameters: 163"));
  // Per-node FLOPs are the last column; their sum is the total, and conv1's is 2*9*4*32*32.
  std::int64_t sum = 0, conv1 = -1;
  std::istringstream lines(r.out);
  std::string line;
  const std::regex row(R"(^(\d+)\s+(\S+)\s.*\s([\d,]+)\s*$)");
  std::smatch m;
  while (std::getline(lines, line) && !line.empty()) {
    if (!std::regex_match(line, m, row)) continue;
    sum += without_separators(m[3]);
    if (m[2] == "conv1") conv1 = without_separators(m[3]);
  }
  CHECK(conv1 == 2 * 9 * 4 * 32 * 32);
  std::smatch total;
  REQUIRE(std::regex_search(r.out, total,
                            std::regex(R"(FLOPs per forward pass \(one sample\): ([\d,]+))")));
  CHECK(without_separators(total[1]) == sum);
  CHECK_THAT(r.out, Contains("input: [1,1,32,32]"));
  for (const auto& label : example_labels) CHECK_THAT(r.out, Contains(label));
}

TEST_CASE("lumen predict ranks classes by logit, ties to the lower class as argmax does", "[cli]") {
  // Logits x * (0, 1e-9, 1e-9, -1): classes 1 and 2 have the largest logit, class 0 the same
  // probability in float32 (exp(-1e-9) rounds to 1).
  const TempDir dir;
  const std::string model = dir / "close.onnx";
  lumen::onnx_writer::ModelBuilder()
      .add_input("x", {"N", 1, 1, 1})
      .add_initializer("w", lumen::Shape{4, 1}, {0.0F, 1e-9F, 1e-9F, -1.0F})
      .add_node("Flatten", {"x"}, {"f"}, {}, "flatten")
      .add_node("Gemm", {"f", "w"}, {"y"}, {{"transB", std::int64_t{1}}}, "fc")
      .add_output("y")
      .save(model);
  const std::string input = dir / "one.npy";
  lumen::write_npy(input, lumen::Tensor({1, 1, 1, 1}, 1.0F));
  const Run r = run_lumen("predict --json --model '" + model + "' --input '" + input + "' --top 4");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto sample = nlohmann::json::parse(r.out).at("samples").at(0);
  const auto probabilities = sample.at("probabilities").get<std::vector<double>>();
  REQUIRE(probabilities[0] == probabilities[1]);  // the case this test is about
  std::vector<int> order;
  for (const auto& t : sample.at("top")) order.push_back(t.at("class").get<int>());
  CHECK(order == std::vector<int>{1, 2, 0, 3});
}

TEST_CASE("lumen predict gives the right class for every example image", "[cli]") {
  for (std::size_t c = 0; c < example_labels.size(); ++c) {
    INFO(example_labels[c]);
    const Run text = run_lumen("predict --model '" + shapes_model() + "' --input '" +
                               shapes_image(example_labels[c]) + "' --top 2");
    REQUIRE(text.exit_code == 0);
    CHECK_THAT(text.out,
               Contains("1. " + example_labels[c] + " (class " + std::to_string(c) + ")"));
    CHECK_THAT(text.out, Contains("2. "));
    CHECK_THAT(text.out, !Contains("3. "));

    const Run json = run_lumen("predict --json --model '" + shapes_model() + "' --input '" +
                               shapes_image(example_labels[c]) + "'");
    REQUIRE(json.exit_code == 0);
    const auto doc = nlohmann::json::parse(json.out);
    const auto& sample = doc.at("samples").at(0);
    const auto logits = sample.at("logits").get<std::vector<double>>();
    const auto probabilities = sample.at("probabilities").get<std::vector<double>>();
    REQUIRE(logits.size() == 3);
    double z = 0.0;
    for (double l : logits) z += std::exp(l);
    for (std::size_t k = 0; k < 3; ++k) CHECK(probabilities[k] == Approx(std::exp(logits[k]) / z));
    CHECK(sample.at("top").at(0).at("class") == c);
    CHECK(sample.at("top").at(0).at("label") == example_labels[c]);
    CHECK(sample.at("top").size() == 3);
  }
}

namespace {

// The demo's panel: one method per family at least (all are built in this tree).
const std::vector<std::string> demo_panel{"saliency",
                                          "integrated-gradients",
                                          "guided-backprop",
                                          "grad-cam",
                                          "score-cam",
                                          "cluster-cam",
                                          "lrp",
                                          "cnn-lrp",
                                          "occlusion"};

// Every src="..." and href="..." value of a page.
std::vector<std::string> links_of(const std::string& html) {
  std::vector<std::string> links;
  const std::regex link(R"re((?:src|href)="([^"]*)")re");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), link); it != std::sregex_iterator();
       ++it) {
    links.push_back((*it)[1].str());
  }
  return links;
}

std::size_t count_of(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("lumen demo writes an index of every chip explained by every method", "[cli]") {
  const TempDir dir;
  const Run r = run_lumen("--threads 2 demo --per-class 1 --out '" + (dir / "demo") + "'");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const std::filesystem::path index = dir.path / "demo" / "index.html";
  REQUIRE(std::filesystem::exists(index));
  CHECK_THAT(r.out, Contains("open " + index.string()));
  const std::string html = read_text(index);

  // One row per chip: 1 per class of the bundled 10-class model, in class order.
  CHECK(count_of(html, "<tr><td>chip") == 10);
  const std::vector<std::string> classes{"tank", "truck", "apc", "bulldozer", "l-shape"};
  std::size_t previous = 0;
  for (const auto& c : classes) {
    const auto at = html.find("-" + c + "</td>");
    INFO(c);
    REQUIRE(at != std::string::npos);
    CHECK(at > previous);
    previous = at;
  }
  // Every method of the panel has a column with its time, and none failed.
  for (const auto& method : demo_panel) {
    INFO(method);
    CHECK_THAT(html, Contains("<b>" + method + "</b>"));
    CHECK_THAT(r.out, Contains(method));
  }
  CHECK(count_of(html, " ms/chip") == demo_panel.size());
  CHECK_THAT(html, !Contains("failed:"));

  // Per chip: input, mask, and per method a heatmap and an overlay, each a link and an image;
  // every link is relative and names a PNG that was written.
  const auto links = links_of(html);
  CHECK(links.size() == 10 * 2 * (2 + 2 * demo_panel.size()));
  for (const auto& link : links) {
    INFO(link);
    CHECK(link.find("://") == std::string::npos);
    CHECK(link.front() != '/');
    const std::filesystem::path file = dir.path / "demo" / link;
    REQUIRE(std::filesystem::exists(file));
    CHECK(std::filesystem::file_size(file) > 100);
  }
  CHECK(count_of(html, "_overlay.png\"") == 10 * 2 * demo_panel.size());
  CHECK(count_of(html, "_mask.png\"") == 10 * 2);
}

TEST_CASE("lumen demo says where it looked for a missing model", "[cli]") {
  const Run r = run_lumen("demo --out /tmp/never-written", "LUMEN_EXAMPLES_DIR=/no/such/examples");
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Contains("lumen: error:") && Contains("/no/such/examples") &&
                        Contains("sar/model.onnx"));
  CHECK(!std::filesystem::exists("/tmp/never-written"));
}

TEST_CASE("lumen demo refuses a model that does not take synthetic SAR chips", "[cli]") {
  const TempDir dir;
  std::filesystem::create_directories(dir.path / "sar");
  std::filesystem::copy_file(shapes_model(), dir.path / "sar" / "model.onnx");
  const Run r = run_lumen("demo --out '" + (dir / "demo") + "'",
                          "LUMEN_EXAMPLES_DIR='" + dir.path.string() + "'");
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Contains("model.onnx") && Contains("synthetic-sar model"));
  CHECK(!std::filesystem::exists(dir.path / "demo"));
  CHECK(run_lumen("demo --per-class 0").exit_code == 2);
}

TEST_CASE("lumen plugins reports plugin files that fail to load", "[cli]") {
  const TempDir dir;
  std::ofstream(dir.path / "liblumen-broken.so") << "not a shared library";
  const Run r = run_lumen("plugins", "LUMEN_PLUGIN_PATH='" + dir.path.string() + "'");
  REQUIRE(r.exit_code == 0);
  const auto failures = r.out.find("Load failures (1):");
  REQUIRE(failures != std::string::npos);
  CHECK_THAT(r.out.substr(failures), Contains(dir / "liblumen-broken.so"));
  CHECK_THAT(r.out, Contains("\n  saliency  ["));  // the good plugins still load
}

TEST_CASE("lumen plugins survives truncated plugins and symbolic link loops on the path", "[cli]") {
  const TempDir dir;
  const auto plugins = std::filesystem::path(LUMEN_CLI_BINARY).parent_path() / ".." / "plugins";
  const auto cut = dir.path / "liblumen-cut.so";  // its own name: it must not hide the original
  std::filesystem::copy_file(plugins / "liblumen-explainers-saliency.so", cut);
  std::filesystem::resize_file(cut, 5000);
  std::filesystem::create_symlink("liblumen-loop.so", dir.path / "liblumen-loop.so");
  std::filesystem::create_symlink("missing.so", dir.path / "liblumen-dangling.so");
  const Run r = run_lumen("plugins", "LUMEN_PLUGIN_PATH='" + dir.path.string() + "'");
  REQUIRE(r.exit_code == 0);
  const auto failures = r.out.find("Load failures (3):");
  REQUIRE(failures != std::string::npos);
  CHECK_THAT(r.out.substr(failures),
             Contains(cut.string() + ": cannot be loaded") && Contains("truncated") &&
                 Contains(dir / "liblumen-loop.so") && Contains(dir / "liblumen-dangling.so"));
  CHECK_THAT(r.err, Contains("plugin not loaded: " + cut.string()));
  CHECK_THAT(r.out, Contains("\n  saliency  ["));
}

TEST_CASE("lumen bench reports time and passes per image and ratios", "[cli]") {
  const TempDir dir;
  const Run r = run_lumen("bench --model '" + shapes_model() +
                          "' --methods grad-cam,cluster-cam --images 3 --warmup 0"
                          " --param cluster-cam.clusters=2 --relative-to cluster-cam --json '" +
                          (dir / "bench.json") + "'");
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("3 image(s)") && Contains("ratios of medians to cluster-cam"));
  const auto doc = nlohmann::json::parse(read_text(dir / "bench.json"));
  REQUIRE(doc["methods"].size() == 2);
  const auto& grad_cam = doc["methods"][0];
  CHECK(grad_cam["method"] == "grad-cam");
  CHECK(grad_cam["seconds"].size() == 3);
  CHECK(grad_cam["forward_per_image"] == 1.0);
  CHECK(grad_cam["backward_per_image"] == 1.0);
  const auto& cluster_cam = doc["methods"][1];
  CHECK(cluster_cam["forward_per_image"] == 3.0);  // the first pass and Q = 2
  CHECK(cluster_cam["params"]["clusters"] == "2");
  CHECK(cluster_cam["ratio_to_reference"] == 1.0);
  CHECK(run_lumen("bench --model '" + shapes_model() + "' --methods grad-cam --param x.y=1")
            .exit_code == 2);
  CHECK(run_lumen("bench --model '" + shapes_model() + "' --methods grad-cam --relative-to lime")
            .exit_code == 2);
}
