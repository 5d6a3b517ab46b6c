#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <lumen/dataset.hpp>
#include <lumen/error.hpp>
#include <map>
#include <random>

#include "../phoenix_file.hpp"
#include "temp_dir.hpp"
#include "test_registry.hpp"

using namespace lumen;
using lumen::testing::registry;
using lumen::testing::TempDir;
namespace fs = std::filesystem;
using Catch::Contains;

namespace {

// Big-endian bytes of a float, written out by hand from its bit pattern.
std::string be(float v) {
  std::uint32_t bits = 0;
  std::memcpy(&bits, &v, 4);
  return {static_cast<char>(bits >> 24), static_cast<char>((bits >> 16) & 0xFF),
          static_cast<char>((bits >> 8) & 0xFF), static_cast<char>(bits & 0xFF)};
}

struct FileSpec {
  int rows = 2, columns = 2;
  std::vector<float> magnitude{1.0F, 2.0F, 3.0F, 4.0F};
  std::vector<float> phase;  // zeros when empty
  int native = 0;            // bytes of binary header; -1: no native_header_length field
  std::string target = "T72";
  std::vector<std::string> drop;  // header fields left out
  std::map<std::string, std::string> replace;
  int header_length_delta = 0;
};

std::string mstar_bytes(const FileSpec& s) {
  const auto line = [&](const std::string& key, const std::string& value) -> std::string {
    if (std::find(s.drop.begin(), s.drop.end(), key) != s.drop.end()) return "";
    const auto it = s.replace.find(key);
    return key + "= " + (it == s.replace.end() ? value : it->second) + "\n";
  };
  const auto build = [&](int length) {
    return "[PhoenixHeaderVer01.04]\n" + line("PhoenixHeaderLength", std::to_string(length)) +
           (s.native >= 0 ? line("native_header_length", std::to_string(s.native)) : "") +
           line("NumberOfRows", std::to_string(s.rows)) +
           line("NumberOfColumns", std::to_string(s.columns)) + line("TargetType", s.target) +
           line("DesiredDepression", "17") + "[EndofPhoenixHeader]\n";
  };
  int length = static_cast<int>(build(100000).size());
  std::string bytes = build(length);
  while (static_cast<int>(bytes.size()) != length) {  // the field's own digits count too
    length = static_cast<int>(bytes.size());
    bytes = build(length);
  }
  bytes = build(length + s.header_length_delta);
  bytes.resize(static_cast<std::size_t>(length), ' ');
  bytes += std::string(static_cast<std::size_t>(std::max(0, s.native)), '\x7f');
  for (float v : s.magnitude) bytes += be(v);
  for (std::size_t i = 0; i < s.magnitude.size(); ++i)
    bytes += be(s.phase.empty() ? 0.0F : s.phase[i]);
  return bytes;
}

void write(const fs::path& file, const std::string& bytes) {
  fs::create_directories(file.parent_path());
  std::ofstream(file, std::ios::binary) << bytes;
}

std::string spec(const fs::path& dir, const std::string& options) {
  return "mstar:" + dir.string() + (options.empty() ? "" : "?" + options);
}

}  // namespace

TEST_CASE("mstar reads hand-written big-endian bytes exactly", "[mstar]") {
  // A 1x2 chip written byte by byte: magnitudes 1.0 (3F800000) and 0.15625 (3E200000).
  const std::string header =
      "[PhoenixHeaderVer01.04]\nPhoenixHeaderLength= 000108\nNumberOfRows= 1\n"
      "NumberOfColumns= 2\n[EndofPhoenixHeader]\n";
  REQUIRE(header.size() == 108);
  const std::string bytes = header + std::string("\x3f\x80\x00\x00\x3e\x20\x00\x00", 8) +
                            std::string("\x40\x49\x0f\xdb\x00\x00\x00\x00", 8);
  const auto chip = mstar::parse_phoenix(bytes);
  CHECK(chip.rows == 1);
  CHECK(chip.columns == 2);
  CHECK(chip.magnitude == std::vector<float>{1.0F, 0.15625F});
  CHECK(chip.header.at("NumberOfColumns") == "2");
}

TEST_CASE("mstar samples hold the file's magnitudes with normalise=none", "[mstar]") {
  TempDir dir;
  FileSpec s;
  s.rows = 3;
  s.columns = 5;
  s.magnitude = {0.1F, 1e-3F, 1234.5F, 7.0F, 0.0F, 3.25F, 2.0F, 9.5F,
                 0.4F, 11.0F, 1.0F,    2.5F, 6.0F, 8.0F,  5.0F};
  s.native = 24;
  write(dir.path / "BMP2" / "a.000", mstar_bytes(s));
  // A 3x3 centre crop takes columns 1..3 of the 3x5 chip.
  const auto d = registry().open_dataset(spec(dir.path, "size=3&magnitude=linear&normalise=none"));
  REQUIRE(d->size() == 1);
  REQUIRE(d->problems().empty());
  const Sample x = d->get(0);
  REQUIRE(x.image.shape() == Shape{1, 3, 3});
  const std::vector<float> expected{1e-3F, 1234.5F, 7.0F, 2.0F, 9.5F, 0.4F, 2.5F, 6.0F, 8.0F};
  for (int i = 0; i < 9; ++i) CHECK(x.image[i] == expected[static_cast<std::size_t>(i)]);
  CHECK(x.label == 0);
  CHECK(d->class_names() == std::vector<std::string>{"BMP2"});
  CHECK_FALSE(d->has_masks());
  CHECK(x.id == (dir.path / "BMP2" / "a.000").string());

  const auto db = registry().open_dataset(spec(dir.path, "size=3&magnitude=db&normalise=none"));
  for (int i = 0; i < 9; ++i) {
    CHECK(db->get(0).image[i] == Approx(20.0 * std::log10(expected[static_cast<std::size_t>(i)])));
  }
  // chip-max in dB: 1234.5 -> 1, 40 dB below it (0.12345) -> 0, clipped beneath.
  const auto rel = registry().open_dataset(spec(dir.path, "size=3&db_range=40"));
  for (int i = 0; i < 9; ++i) {
    const double db_value = 20.0 * std::log10(expected[static_cast<std::size_t>(i)] / 1234.5);
    CHECK(rel->get(0).image[i] == Approx(std::clamp((db_value + 40.0) / 40.0, 0.0, 1.0)));
  }
  const auto lin = registry().open_dataset(spec(dir.path, "size=3&magnitude=linear"));
  CHECK(lin->get(0).image[1] == 1.0F);
  CHECK(lin->get(0).image[0] == Approx(1e-3 / 1234.5));
  const auto standard =
      registry().open_dataset(spec(dir.path, "size=3&magnitude=linear&normalise=standardise"));
  const Tensor z = standard->get(0).image;
  double mean = 0.0, square = 0.0;
  for (float v : z.values()) mean += v / 9.0;
  for (float v : z.values()) square += (v - mean) * (v - mean) / 9.0;
  CHECK(mean == Approx(0.0).margin(1e-6));
  CHECK(square == Approx(1.0));
}

TEST_CASE("mstar crops then resizes bilinearly", "[mstar]") {
  TempDir dir;
  FileSpec s;  // [[1,2],[3,4]] resized to 4x4 with half-pixel centres
  write(dir.path / "ZIL131" / "b", mstar_bytes(s));
  const auto d =
      registry().open_dataset(spec(dir.path, "size=4&crop=2&magnitude=linear&normalise=none"));
  const Tensor x = d->get(0).image;
  const std::vector<float> row0{1.0F, 1.25F, 1.75F, 2.0F};
  for (int c = 0; c < 4; ++c) CHECK(x[c] == Approx(row0[static_cast<std::size_t>(c)]));
  CHECK(x[12] == Approx(3.0));
  CHECK(x[5] == Approx(1.0 + 0.25 + 0.5));  // (0.25, 0.25) between the four
}

TEST_CASE("mstar classes come from directory names or TargetType=", "[mstar]") {
  TempDir dir;
  FileSpec s;
  s.target = "t72";
  write(dir.path / "17_DEG" / "T72" / "SN_132" / "x.015", mstar_bytes(s));
  s.target = "bmp2";
  write(dir.path / "17_DEG" / "BMP2" / "SN_9563" / "y.016", mstar_bytes(s));
  write(dir.path / "17_DEG" / "BMP2" / "SN_9563" / "y.016.JPG", "not a chip");
  write(dir.path / "17_DEG" / "2S1" / "z.017", mstar_bytes(s));
  const auto d = registry().open_dataset(spec(dir.path, ""));
  REQUIRE(d->size() == 3);
  CHECK(d->problems().empty());  // the JPEG thumbnail is ignored
  CHECK(d->class_names() == std::vector<std::string>{"2S1", "SN_132", "SN_9563"});
  CHECK(d->sample_shape() == Shape{1, 64, 64});
  std::map<std::string, std::int64_t> label_of;
  for (std::int64_t i = 0; i < 3; ++i)
    label_of[fs::path(d->get(i).id).filename()] = d->get(i).label;
  CHECK(label_of["z.017"] == 0);
  CHECK(label_of["x.015"] == 1);
  CHECK(label_of["y.016"] == 2);
  const auto t = registry().open_dataset(spec(dir.path, "class_from=target-type"));
  CHECK(t->class_names() == std::vector<std::string>{"bmp2", "t72"});
}

TEST_CASE("mstar skips every kind of malformed file with the reason", "[mstar]") {
  TempDir dir;
  const fs::path cls = dir.path / "D7";
  write(cls / "good", mstar_bytes({}));
  std::map<std::string, std::pair<std::string, std::string>> cases;  // name -> bytes, reason
  FileSpec s;
  cases["no-begin"] = {"hello\n" + mstar_bytes(s), "does not start with [PhoenixHeaderVer"};
  std::string no_end = mstar_bytes(s);
  no_end.replace(no_end.find("[EndofPhoenixHeader]"), 20, "[EndOfSomethingElse]");
  cases["no-end"] = {no_end, "no [EndofPhoenixHeader]"};
  for (const char* field : {"PhoenixHeaderLength", "NumberOfRows", "NumberOfColumns"}) {
    FileSpec m;
    m.drop = {field};
    cases[std::string("missing-") + field] = {mstar_bytes(m),
                                              "no " + std::string(field) + "= field"};
  }
  FileSpec bad_rows;
  bad_rows.replace = {{"NumberOfRows", "two"}};
  cases["rows-text"] = {mstar_bytes(bad_rows), "NumberOfRows= 'two' is not an integer"};
  FileSpec zero_cols;
  zero_cols.replace = {{"NumberOfColumns", "0"}};
  cases["columns-zero"] = {mstar_bytes(zero_cols), "NumberOfColumns= '0'"};
  FileSpec bad_native;
  bad_native.replace = {{"native_header_length", "-4"}};
  cases["native-negative"] = {mstar_bytes(bad_native), "native_header_length= '-4'"};
  FileSpec short_header;
  short_header.replace = {{"PhoenixHeaderLength", "20"}};
  cases["header-too-short"] = {mstar_bytes(short_header), "ends before the [EndofPhoenixHeader]"};
  // Lengths and sizes near 2^63 once overflowed the arithmetic that checks them.
  FileSpec huge_header;
  huge_header.replace = {{"PhoenixHeaderLength", "9223372036854775000"}};
  cases["header-length-huge"] = {mstar_bytes(huge_header),
                                 "PhoenixHeaderLength= 9223372036854775000 is beyond the end"};
  FileSpec huge_native;
  huge_native.replace = {{"native_header_length", "9223372036854775000"}};
  cases["native-length-huge"] = {mstar_bytes(huge_native),
                                 "native_header_length= "
                                 "9223372036854775000 is beyond the end"};
  FileSpec huge_size;
  huge_size.replace = {{"NumberOfRows", "4294967296"}, {"NumberOfColumns", "4294967296"}};
  cases["size-huge"] = {mstar_bytes(huge_size), "4294967296 x 4294967296 is implausibly large"};
  std::string truncated = mstar_bytes(s);
  truncated.pop_back();
  cases["truncated"] = {truncated, "truncated"};
  cases["too-long"] = {mstar_bytes(s) + "xx", "wrong length"};
  FileSpec wrong_size;
  wrong_size.replace = {{"NumberOfRows", "3"}};
  cases["rows-mismatch"] = {mstar_bytes(wrong_size), "truncated"};
  FileSpec nan;
  nan.magnitude[2] = std::numeric_limits<float>::quiet_NaN();
  cases["nan"] = {mstar_bytes(nan), "non-finite magnitude at row 1, column 0"};
  FileSpec inf_phase;
  inf_phase.phase = {0.0F, 0.0F, 0.0F, std::numeric_limits<float>::infinity()};
  cases["inf-phase"] = {mstar_bytes(inf_phase), "non-finite phase at row 1, column 1"};
  FileSpec negative;
  negative.magnitude[1] = -1.0F;
  cases["negative"] = {mstar_bytes(negative), "negative magnitude"};
  cases["empty"] = {"", "not an MSTAR file"};
  for (const auto& [name, content] : cases) write(cls / name, content.first);

  const auto d = registry().open_dataset(spec(dir.path, ""));
  CHECK(d->size() == 1);
  const auto problems = d->problems();
  REQUIRE(problems.size() == cases.size());
  for (const auto& p : problems) {
    const std::string name = fs::path(p.item).filename().string();
    CAPTURE(name, p.reason);
    REQUIRE(cases.count(name) == 1);
    CHECK(p.item == (cls / name).string());
    CHECK_THAT(p.reason, Contains(cases[name].second));
  }
  FileSpec anonymous;
  anonymous.drop = {"TargetType"};
  write(cls / "anonymous", mstar_bytes(anonymous));
  const auto t = registry().open_dataset(spec(dir.path, "class_from=target-type"));
  bool reported = false;
  for (const auto& p : t->problems())
    reported |= p.reason.find("no TargetType=") != std::string::npos;
  CHECK(reported);
}

TEST_CASE("mstar refuses a directory with nothing readable, naming it", "[mstar]") {
  TempDir dir;
  write(dir.path / "T62" / "bad", "garbage");
  CHECK_THROWS_AS(registry().open_dataset(spec(dir.path, "")), IoError);
  CHECK_THROWS_WITH(registry().open_dataset(spec(dir.path, "")),
                    Contains(dir.path.string()) && Contains("bad"));
  CHECK_THROWS_WITH(registry().open_dataset(spec(dir.path / "missing", "")),
                    Contains((dir.path / "missing").string()));
  CHECK_THROWS_WITH(registry().open_dataset("mstar:"), Contains("needs a location"));
  CHECK_THROWS_WITH(registry().open_dataset(spec(dir.path, "sise=64")),
                    Contains("sise") && Contains("crop"));
  CHECK_THROWS_AS(registry().open_dataset(spec(dir.path, "magnitude=power")), InvalidArgument);
}
