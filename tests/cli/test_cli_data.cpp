#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <lumen/dataset.hpp>
#include <lumen/io.hpp>
#include <lumen/registry.hpp>
#include <sstream>

#include "cli_runner.hpp"
#include "test_registry.hpp"

using namespace lumen::cli_test;
using Catch::Contains;
namespace fs = std::filesystem;

namespace {

std::vector<std::vector<std::string>> csv_rows(const fs::path& file) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(read_text(file));
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> row;
    std::istringstream fields(line);
    for (std::string f; std::getline(fields, f, ',');) row.push_back(f);
    rows.push_back(row);
  }
  return rows;
}

}  // namespace

TEST_CASE("lumen data answers --help for both subcommands", "[cli][data]") {
  CHECK_THAT(run_lumen("--help").out, Contains("data"));
  const Run synth = run_lumen("data synth --help");
  REQUIRE(synth.exit_code == 0);
  CHECK_THAT(synth.out, Contains("--out") && Contains("--data"));
  const Run info = run_lumen("data info --help");
  REQUIRE(info.exit_code == 0);
  CHECK_THAT(info.out, Contains("--data"));
  CHECK(run_lumen("data").exit_code == 2);
  CHECK(run_lumen("data synth").exit_code == 2);  // --out missing
}

TEST_CASE("lumen data synth writes PNGs, labels.csv and masks that folder: reads back",
          "[cli][data]") {
  TempDir dir;
  const std::string out = dir / "chips";
  const std::string spec = "synthetic-sar:?n=12&classes=3&seed=5";
  const Run r = run_lumen("data synth --out " + out + " --data '" + spec + "'");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("wrote 12 samples of 3 classes"));

  const auto generated = lumen::testing::registry().open_dataset(spec);
  const auto rows = csv_rows(fs::path(out) / "labels.csv");
  REQUIRE(rows.size() == 13);
  CHECK(rows[0] == std::vector<std::string>{"file", "label", "class_name"});
  for (std::int64_t i = 0; i < 12; ++i) {
    const auto& row = rows[static_cast<std::size_t>(i + 1)];
    REQUIRE(row.size() == 3);
    const lumen::Sample s = generated->get(i);
    CHECK(row[1] == std::to_string(s.label));
    CHECK(row[2] == generated->class_names()[static_cast<std::size_t>(s.label)]);
    CHECK(fs::path(row[0]).parent_path() == row[2]);
    // The PNG holds the sample rounded to 8 bits; the mask PNG holds the mask exactly.
    const lumen::Tensor png = lumen::read_image(fs::path(out) / row[0]);
    REQUIRE(png.size() == s.image.size());
    for (std::int64_t p = 0; p < png.size(); ++p)
      CHECK(png[p] == Approx(s.image[p]).margin(0.5 / 255 + 1e-6));
    const lumen::Tensor mask = lumen::read_image(fs::path(out) / "masks" / row[0]);
    for (std::int64_t p = 0; p < mask.size(); ++p) CHECK(mask[p] == (*s.mask)[p]);
  }

  const Run info = run_lumen("data info --data folder:" + out);
  INFO(info.err);
  REQUIRE(info.exit_code == 0);
  CHECK_THAT(info.out, Contains("samples: 12") && Contains("shape: [1,64,64]") &&
                           Contains("masks: yes") && Contains("unreadable: 0"));
  for (const char* name : {"tank", "truck", "apc"}) {
    CHECK_THAT(info.out, Contains(std::string(name) + "  4") ||
                             Contains(std::string(name) + "   4") ||
                             Contains(std::string(name) + "    4"));
  }
  // Writing into a directory that is not empty is refused.
  const Run again = run_lumen("data synth --out " + out + " --data '" + spec + "'");
  CHECK(again.exit_code == 1);
  CHECK_THAT(again.err, Contains("not empty"));
}

TEST_CASE("lumen data info prints counts, range and every unreadable file", "[cli][data]") {
  const Run r = run_lumen("data info --data 'synthetic-sar:?n=30&classes=3'");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("kind: synthetic-sar") && Contains("samples: 30") &&
                        Contains("classes: 3") && Contains("masks: yes"));
  const auto range = r.out.find("value range: [");
  REQUIRE(range != std::string::npos);
  std::istringstream numbers(r.out.substr(range + 14));
  double low = -1.0, high = -1.0;
  char comma = 0;
  numbers >> low >> comma >> high;
  CHECK(low >= 0.0);
  CHECK(high <= 1.0);
  CHECK(low < high);

  TempDir dir;
  fs::create_directories(fs::path(dir.path) / "a");
  fs::create_directories(fs::path(dir.path) / "b");
  lumen::write_image_png(fs::path(dir.path) / "a" / "x.png", lumen::Tensor({1, 4, 4}, 0.4F));
  std::ofstream(fs::path(dir.path) / "b" / "bad.png") << "not an image";
  const Run info = run_lumen("data info --data folder:" + dir.path.string());
  REQUIRE(info.exit_code == 0);
  CHECK_THAT(info.out, Contains("samples: 1") && Contains("unreadable: 1") &&
                           Contains((fs::path(dir.path) / "b" / "bad.png").string() + ": ") &&
                           Contains("value range: [0.4, 0.4]"));
}

TEST_CASE("lumen data refuses bad specs with the reason", "[cli][data]") {
  const Run unknown = run_lumen("data info --data 'synthetic-sar:?bogus=1'");
  CHECK(unknown.exit_code == 1);
  CHECK_THAT(unknown.err, Contains("bogus") && Contains("looks"));
  const Run kind = run_lumen("data info --data nokind:x");
  CHECK(kind.exit_code == 1);
  CHECK_THAT(kind.err, Contains("nokind") && Contains("synthetic-sar"));
  TempDir dir;
  const Run two =
      run_lumen("data synth --out " + (dir / "o") + " --data 'synthetic-sar:?n=2&channels=2'");
  CHECK(two.exit_code == 1);
  CHECK_THAT(two.err, Contains("1 or 3 channels"));
}

TEST_CASE("a file system refusal is an error naming the path, not an internal error",
          "[cli][data]") {
  // Under a regular file no directory can be made (as a permission refusal, for any user).
  TempDir dir;
  const std::string file = dir / "a-file";
  std::ofstream(file) << "not a directory";
  const Run r = run_lumen("data synth --out " + file + "/out --data 'synthetic-sar:?n=2'");
  INFO(r.err);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Contains("lumen: error: cannot create directories: Not a directory") &&
                        Contains(file + "/out"));
  CHECK_THAT(r.err, !Contains("internal error"));
}
