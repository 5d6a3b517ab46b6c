// `lumen protocol cnn-lrp` end to end on a few dozen synthetic chips and one epoch: the table has
// the paper's four rows, results.json agrees with it, and bad options are refused.
#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli_runner.hpp"

using namespace lumen::cli_test;
using Catch::Contains;
namespace fs = std::filesystem;

TEST_CASE("lumen protocol cnn-lrp writes Table 1 with its four rows", "[cli][protocol]") {
  TempDir dir;
  const std::string out = dir / "protocol";
  const Run r = run_lumen(
      "protocol cnn-lrp --data 'synthetic-sar:?n=15&classes=3&split=train&seed=2' "
      "--test 'synthetic-sar:?n=6&classes=3&split=test&seed=2' --epochs 1 --hidden 8 --out " +
      out + " --threads 2");
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("15 training and 6 test samples"));

  const std::string table = read_text(fs::path(out) / "table.md");
  const std::vector<std::string> rows{"| sparse auto-encoder |",
                                      "| common LRP (sparse auto-encoder, masked data) |",
                                      "| CNN |", "| CNN-LRP (CNN, masked data) |"};
  std::size_t previous = 0;
  for (const auto& row : rows) {
    const auto at = table.find(row);
    CHECK(at != std::string::npos);
    CHECK(at >= previous);  // in the paper's order
    previous = at;
  }
  CHECK_THAT(table, Contains("accuracy, original test data") && Contains("true \\ predicted"));

  const auto doc = nlohmann::json::parse(read_text(fs::path(out) / "results.json"));
  REQUIRE(doc["rows"].size() == 4);
  for (const auto& row : doc["rows"]) {
    for (const char* column : {"original_test", "masked_test"}) {
      const auto& report = row[column];
      const double accuracy = report["accuracy"];
      CHECK(accuracy >= 0.0);
      CHECK(accuracy <= 1.0);
      // The confusion matrix counts every test sample once, and its diagonal is the accuracy.
      std::int64_t total = 0, diagonal = 0;
      for (std::size_t t = 0; t < 3; ++t) {
        for (std::size_t p = 0; p < 3; ++p) {
          const std::int64_t count = report["confusion"][t][p];
          total += count;
          diagonal += t == p ? count : 0;
        }
      }
      CHECK(total == 6);
      CHECK(accuracy == Approx(static_cast<double>(diagonal) / 6.0));
    }
    // The table prints the same figure.
    std::ostringstream cell;
    cell << std::fixed << std::setprecision(2)
         << 100.0 * row["original_test"]["accuracy"].get<double>() << "%";
    CHECK_THAT(table, Contains("| " + row["row"].get<std::string>() + " | " + cell.str()));
  }
  const double kept = doc["rows"][1]["train_masks"]["kept_fraction"];
  CHECK(kept > 0.0);
  CHECK(kept < 1.0);
}

TEST_CASE("lumen protocol refuses bad options", "[cli][protocol]") {
  CHECK(run_lumen("protocol").exit_code == 2);
  CHECK(run_lumen("protocol cnn-lrp").exit_code == 2);  // --data missing
  CHECK(run_lumen("protocol cnn-lrp --data 'synthetic-sar:?n=10' --keep 1.5").exit_code == 2);
  const Run bad_param = run_lumen("protocol cnn-lrp --data 'synthetic-sar:?n=10' --param alpha=3");
  CHECK(bad_param.exit_code == 1);
  CHECK_THAT(bad_param.err, Contains("alpha"));
}
