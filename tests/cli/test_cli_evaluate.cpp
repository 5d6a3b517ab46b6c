#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli_runner.hpp"
#include "lumen/io.hpp"

using namespace lumen::cli_test;
using Catch::Contains;
namespace fs = std::filesystem;

namespace {

constexpr std::int64_t samples = 4;

// Four 32x32 images for the shapes model: bars across and down (masked) and noise, labels 0,1,2,0.
std::string write_dataset(const TempDir& dir) {
  lumen::Tensor x({samples, 1, 32, 32}), masks({samples, 1, 32, 32}), labels({samples});
  for (std::int64_t n = 0; n < samples; ++n) {
    labels[n] = static_cast<float>(n % 3);
    for (std::int64_t i = 0; i < 32 * 32; ++i) {
      const std::int64_t row = i / 32, col = i % 32;
      const bool across = n % 3 == 0 && row >= 12 && row < 20 && col >= 4 && col < 28;
      const bool down = n % 3 == 1 && col >= 12 + n && col < 20 && row >= 4 && row < 28;
      const float noise = static_cast<float>((i * 7919 + n * 104729) % 97) / 970.0F;
      x[n * 1024 + i] = across || down ? 1.0F : noise;
      masks[n * 1024 + i] = across || down ? 1.0F : 0.0F;
    }
  }
  lumen::write_npy(dir / "x.npy", x);
  lumen::write_npy(dir / "y.npy", labels);
  lumen::write_npy(dir / "m.npy", masks);
  return "'npy:" + (dir / "x.npy") + "?labels=" + (dir / "y.npy") + "&masks=" + (dir / "m.npy") +
         "'";
}

std::string evaluate_args(const std::string& data, const std::string& out) {
  return "evaluate --model '" + shapes_model() + "' --data " + data +
         " --methods saliency,grad-cam --metrics xai-entropy,pointing-game --out '" + out + "'";
}

std::vector<std::string> lines_of(const fs::path& file) {
  std::istringstream in(read_text(file));
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// results.csv without the timing columns, which differ between runs.
std::vector<std::string> csv_values(const fs::path& file) {
  std::vector<std::string> rows;
  for (const auto& line : lines_of(file)) {
    std::string kept;
    std::istringstream fields(line);
    std::string field;
    for (int column = 0; std::getline(fields, field, ','); ++column) {
      if (column < 8) kept += field + ",";
    }
    rows.push_back(kept);
  }
  return rows;
}

}  // namespace

TEST_CASE("lumen evaluate writes the documented files, one CSV row per sample x method x metric",
          "[cli][evaluate][threaded]") {
  const TempDir dir;
  const std::string data = write_dataset(dir);
  const Run r = run_lumen(evaluate_args(data, dir / "out"));
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  for (const char* file :
       {"results.csv", "results.json", "table.md", "index.html", "plots/xai-entropy.svg",
        "plots/pointing-game.svg", "gallery/s0-input.png", "gallery/s3-grad-cam.png"}) {
    INFO(file);
    CHECK(fs::exists(dir.path / "out" / file));
  }
  const auto csv = lines_of(dir.path / "out" / "results.csv");
  CHECK(csv.at(0) ==
        "sample,id,label,target,predicted,method,metric,value,seconds,forward_passes,"
        "backward_passes,error");
  CHECK(csv.size() == 1 + samples * 2 * 2);

  const auto doc = nlohmann::json::parse(read_text(dir.path / "out" / "results.json"));
  REQUIRE(doc.at("samples").size() == samples);
  for (const char* method : {"saliency", "grad-cam"}) {
    const auto& aggregate = doc.at("aggregate").at(method);
    for (const char* metric : {"xai-entropy", "pointing-game"}) {
      INFO(method << " " << metric);
      std::vector<double> values;
      for (const auto& s : doc.at("samples")) {
        values.push_back(s.at("methods").at(method).at("metrics").at(metric).get<double>());
      }
      double mean = 0.0;
      for (const double v : values) mean += v / samples;
      double squares = 0.0;
      for (const double v : values) squares += (v - mean) * (v - mean);
      const auto& summary = aggregate.at("metrics").at(metric);
      CHECK(summary.at("n") == samples);
      CHECK(summary.at("mean").get<double>() == Approx(mean));
      CHECK(summary.at("std").get<double>() == Approx(std::sqrt(squares / (samples - 1))));
      // t(0.975, 3) = 3.182446: the 95% interval's half-width is t * std / sqrt(n).
      const double half = 3.182446 * std::sqrt(squares / (samples - 1)) / 2.0;
      CHECK(summary.at("ci95").at(0).get<double>() == Approx(mean - half).margin(1e-9));
      CHECK(summary.at("ci95").at(1).get<double>() == Approx(mean + half).margin(1e-9));
    }
    // Saliency and Grad-CAM each take one forward and one backward pass per image.
    CHECK(aggregate.at("forward_passes_per_image") == 1.0);
    CHECK(aggregate.at("backward_passes_per_image") == 1.0);
  }
  for (const auto& s : doc.at("samples")) CHECK(s.at("target") == s.at("label"));
  const auto& files = doc.at("arguments").at("plugin_files");
  CHECK_THAT(files.at("importer").get<std::string>(), Contains("liblumen-importers-onnx.so"));
  CHECK(files.at("backends").size() >= 1);

  const std::string table = read_text(dir.path / "out" / "table.md");
  CHECK_THAT(table,
             Contains("| method | xai-entropy ↓ | pointing-game ↑ | time per image (s) ↓ |"));
  CHECK_THAT(table, Contains("| saliency |") && Contains("| grad-cam |"));
  const std::string html = read_text(dir.path / "out" / "index.html");
  CHECK_THAT(html, Contains("plots/pointing-game.svg") && Contains("gallery/s1-saliency.png"));
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("http://") == std::string::npos);
  CHECK(html.find("https://") == std::string::npos);
}

TEST_CASE("lumen evaluate resumes an interrupted run and redoes no finished work",
          "[cli][evaluate][threaded]") {
  const TempDir dir;
  const std::string data = write_dataset(dir);
  // One thread for the clean run, all of them for the interrupted one: results must not differ.
  const Run clean = run_lumen(evaluate_args(data, dir / "clean") + " --threads 1");
  REQUIRE(clean.exit_code == 0);

  const fs::path out = dir.path / "resumed";
  const Run stopped = run_lumen(evaluate_args(data, out.string()) + " --stop-after 3 --threads 2");
  CHECK(stopped.exit_code == 3);
  CHECK_FALSE(fs::exists(out / "results.csv"));
  CHECK_FALSE(fs::exists(out / "index.html"));
  const auto before = lines_of(out / ".journal.jsonl");
  REQUIRE(before.size() == 1 + 3);
  {  // a result cut short by the interruption
    std::ofstream journal(out / ".journal.jsonl", std::ios::app);
    journal << R"({"sample":1,"id":"x)";
  }
  const Run resumed = run_lumen(evaluate_args(data, out.string()));
  INFO(resumed.err);
  REQUIRE(resumed.exit_code == 0);
  CHECK_THAT(resumed.err, Contains("resuming: 3 of 8 results"));
  const auto after = lines_of(out / ".journal.jsonl");
  CHECK(after.size() == 1 + samples * 2);  // nothing done twice
  CHECK(std::equal(before.begin(), before.end(), after.begin()));
  CHECK(csv_values(out / "results.csv") == csv_values(dir.path / "clean" / "results.csv"));

  const Run other = run_lumen(evaluate_args(data, out.string()) + " --samples 2");
  CHECK(other.exit_code == 2);
  CHECK_THAT(other.err, Contains("other arguments") && Contains("samples") && Contains("--force"));
  const Run forced = run_lumen(evaluate_args(data, out.string()) + " --samples 2 --force");
  CHECK(forced.exit_code == 0);
  CHECK(lines_of(out / "results.csv").size() == 1 + 2 * 2 * 2);

  // A journal whose first line is not JSON: refused as such, and --force starts over.
  std::ofstream(out / ".journal.jsonl", std::ios::trunc) << "not json\n";
  const Run garbled = run_lumen(evaluate_args(data, out.string()) + " --samples 2");
  CHECK(garbled.exit_code == 1);
  CHECK_THAT(garbled.err, Contains("line 1 is not JSON") && Contains("--force"));
  const Run restarted = run_lumen(evaluate_args(data, out.string()) + " --samples 2 --force");
  INFO(restarted.err);
  CHECK(restarted.exit_code == 0);
  CHECK(lines_of(out / "results.csv").size() == 1 + 2 * 2 * 2);
}

TEST_CASE("lumen evaluate scores a dataset-level metric once per method and resumes it",
          "[cli][evaluate][threaded]") {
  const TempDir dir;
  const std::string data = write_dataset(dir);
  const auto args = [&](const fs::path& out) {
    return "evaluate --model '" + shapes_model() + "' --data " + data + " --train-data " + data +
           " --methods saliency,grad-cam --metrics masked-retrain-accuracy,xai-entropy"
           " --metric-param masked-retrain-accuracy.epochs=2 --out '" +
           out.string() + "'";
  };
  const Run clean = run_lumen(args(dir / "clean"));
  INFO(clean.err);
  REQUIRE(clean.exit_code == 0);
  // Scored once per method before the stream, then one 0/1 value per (sample, method).
  CHECK_THAT(clean.err,
             Contains("masked-retrain-accuracy for saliency (4 samples, training on 4)"));
  CHECK_THAT(clean.err, Contains("masked-retrain-accuracy for grad-cam"));
  // The journal holds one line per method with a value per sample; each (sample, method)
  // record carries the value of its own sample.
  std::map<std::string, nlohmann::json> journalled;
  for (const auto& line : lines_of(dir.path / "clean" / ".journal.jsonl")) {
    const auto j = nlohmann::json::parse(line);
    if (j.contains("dataset_metric")) journalled[j.at("method").get<std::string>()] = j;
  }
  REQUIRE(journalled.size() == 2);
  const auto doc = nlohmann::json::parse(read_text(dir.path / "clean" / "results.json"));
  REQUIRE(doc.at("samples").size() == samples);
  for (const char* method : {"saliency", "grad-cam"}) {
    const auto& values = journalled.at(method).at("values");
    REQUIRE(values.size() == samples);
    double hits = 0.0;
    for (std::size_t i = 0; i < samples; ++i) {
      const auto& sample = doc.at("samples").at(i);
      const double v =
          sample.at("methods").at(method).at("metrics").at("masked-retrain-accuracy").get<double>();
      CHECK((v == 0.0 || v == 1.0));
      CHECK(v == values.at(i).get<double>());
      hits += v;
    }
    CHECK(doc.at("aggregate").at(method).at("metrics").at("masked-retrain-accuracy").at("mean") ==
          Approx(hits / samples));
  }
  CHECK_THAT(read_text(dir.path / "clean" / "table.md"),
             Contains("| method | masked-retrain-accuracy ↑ | xai-entropy ↓ |") &&
                 Contains("trained fresh models on `npy:"));

  // Interrupted after the metric was journalled: the rerun does not train again.
  const fs::path out = dir.path / "resumed";
  const Run stopped = run_lumen(args(out) + " --stop-after 2");
  CHECK(stopped.exit_code == 3);
  const Run resumed = run_lumen(args(out));
  INFO(resumed.err);
  REQUIRE(resumed.exit_code == 0);
  CHECK(resumed.err.find("masked-retrain-accuracy for") == std::string::npos);
  CHECK(csv_values(out / "results.csv") == csv_values(dir.path / "clean" / "results.csv"));

  // --train-data is required by such a metric, and refused without one.
  const std::string base = "evaluate --model '" + shapes_model() + "' --data " + data +
                           " --methods saliency --out '" + (dir / "refused") + "'";
  const Run missing = run_lumen(base + " --metrics masked-retrain-accuracy");
  CHECK(missing.exit_code == 2);
  CHECK_THAT(missing.err, Contains("masked-retrain-accuracy") && Contains("--train-data"));
  const Run unused = run_lumen(base + " --metrics xai-entropy --train-data " + data);
  CHECK(unused.exit_code == 2);
  CHECK_THAT(unused.err, Contains("--train-data is only used by dataset-level metrics"));
}

TEST_CASE("lumen evaluate names the plugin file of each rule and composite a method used",
          "[cli][evaluate]") {
  const TempDir dir;
  const std::string data = write_dataset(dir);
  const Run r = run_lumen("evaluate --model '" + shapes_model() + "' --data " + data +
                          " --samples 2 --methods lrp,saliency --metrics xai-entropy"
                          " --param lrp.composite=epsilon-plus --out '" +
                          (dir / "out") + "'");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto doc = nlohmann::json::parse(read_text(dir.path / "out" / "results.json"));
  const auto& lrp = doc.at("aggregate").at("lrp").at("plugin_files");
  CHECK_THAT(lrp.at("composites").at("epsilon-plus").get<std::string>(),
             Contains("liblumen-composites-zennit.so"));
  CHECK_THAT(lrp.at("rules").at("zplus").get<std::string>(), Contains("liblumen-rules-"));
  CHECK(doc.at("aggregate").at("saliency").at("plugin_files") == nlohmann::json::object());
}

TEST_CASE("lumen evaluate presets expand to the papers' methods and metrics", "[cli][evaluate]") {
  const Run sar = run_lumen("evaluate --preset sar-study --dry-run");
  REQUIRE(sar.exit_code == 0);
  CHECK_THAT(sar.out, Contains("methods: integrated-gradients input-x-gradient guided-backprop "
                               "deconvnet saliency occlusion guided-grad-cam grad-cam\n"));
  CHECK_THAT(sar.out, Contains("metrics: max-sensitivity xai-entropy\n"));
  const auto plan = nlohmann::json::parse(sar.out.substr(sar.out.find('{')));
  const auto& occlusion = plan.at("methods").at(5);
  CHECK(occlusion.at("name") == "occlusion");
  CHECK(occlusion.at("params").at("window") == "15,15");
  CHECK(occlusion.at("params").at("stride") == "5,5");
  CHECK_THAT(occlusion.at("file").get<std::string>(), Contains("liblumen-explainers-occlusion.so"));
  CHECK_THAT(plan.at("metrics").at(0).at("file").get<std::string>(), Contains("liblumen-metrics-"));

  const Run cams = run_lumen("evaluate --preset cluster-cam --dry-run");
  REQUIRE(cams.exit_code == 0);
  CHECK_THAT(cams.out,
             Contains("methods: grad-cam grad-cam-pp ablation-cam score-cam cluster-cam\n"));
  CHECK_THAT(cams.out, Contains("metrics: confidence-drop confidence-increase\n"));
  // --param overrides a preset's parameter.
  const Run wider = run_lumen("evaluate --preset sar-study --dry-run --param occlusion.window=9,9");
  CHECK_THAT(wider.out, Contains("\"window\": \"9,9\""));

  // Without --model, a preset needs the demo model and says what to pass when it is missing.
  const TempDir empty;
  const Run missing = run_lumen("evaluate --preset cluster-cam --out '" + (empty / "out") + "'",
                                "LUMEN_EXAMPLES_DIR='" + empty.path.string() + "'");
  CHECK(missing.exit_code == 1);
  CHECK_THAT(missing.err, Contains("sar/model.onnx") && Contains("--model"));
}

TEST_CASE("lumen evaluate refuses bad command lines with the reason", "[cli][evaluate]") {
  const TempDir dir;
  const std::string data = write_dataset(dir);
  const std::string model = " --model '" + shapes_model() + "' --data " + data;
  const std::string out = " --out '" + (dir / "out") + "'";
  CHECK(run_lumen("evaluate --methods saliency" + model + out).exit_code == 2);
  const Run preset = run_lumen("evaluate --preset nope --dry-run");
  CHECK(preset.exit_code == 2);
  CHECK_THAT(preset.err, Contains("sar-study") && Contains("cluster-cam"));
  const Run param = run_lumen("evaluate --methods saliency --metrics xai-entropy" + model + out +
                              " --param grad-cam.relu=false");
  CHECK(param.exit_code == 2);
  CHECK_THAT(param.err, Contains("grad-cam") && Contains("--methods"));
  const std::string unmasked = " --model '" + shapes_model() + "' --data 'npy:" + (dir / "x.npy") +
                               "?labels=" + (dir / "y.npy") + "'";
  const Run no_masks =
      run_lumen("evaluate --methods saliency --metrics pointing-game" + unmasked + out);
  CHECK(no_masks.exit_code == 1);
  CHECK_THAT(no_masks.err, Contains("pointing-game") && Contains("masks"));
  lumen::write_npy(dir / "y6.npy", lumen::Tensor({samples}, {0, 1, 2, 5}));
  const Run classes =
      run_lumen("evaluate --methods saliency --metrics xai-entropy --model '" + shapes_model() +
                "' --data 'npy:" + (dir / "x.npy") + "?labels=" + (dir / "y6.npy") + "'" + out);
  CHECK(classes.exit_code == 1);
  CHECK_THAT(classes.err, Contains("6 classes") && Contains("model only 3"));
}

TEST_CASE("lumen evaluate refuses a method that cannot run on the model before any work",
          "[cli][evaluate]") {
  const TempDir dir;
  const std::string data = write_dataset(dir);
  const fs::path out = dir.path / "refused";
  // --layer goes to grad-cam, which needs a spatial layer; saliency works at no layer and is
  // not given it.
  const Run r = run_lumen("evaluate --model '" + shapes_model() + "' --data " + data +
                          " --methods saliency,grad-cam --metrics xai-entropy --layer fc --out '" +
                          out.string() + "'");
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Contains("grad-cam cannot run on '") &&
                        Contains("needs a spatial layer [N,C,h,w], but layer 'fc' outputs"));
  CHECK_FALSE(fs::exists(out));
}
