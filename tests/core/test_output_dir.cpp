// OutputDir never writes through a symbolic link inside the output directory (Note [writes stay
// inside the output directory]); refuse_input_as_output keeps outputs off the inputs.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <set>
#include <string>

#include "lumen/error.hpp"
#include "lumen/io.hpp"
#include "lumen/output_dir.hpp"
#include "temp_dir.hpp"

namespace fs = std::filesystem;
using Catch::Contains;
using lumen::IoError;
using lumen::OutputDir;
using lumen::testing::TempDir;

namespace {

void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::set<std::string> names_in(const fs::path& dir) {
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.insert(e.path().filename().string());
  return names;
}

template <typename F>
void require_link_refusal(F&& write, const fs::path& link) {
  try {
    write();
    FAIL("no refusal of the link " << link);
  } catch (const IoError& e) {
    CHECK_THAT(e.what(), Contains(link.string()) && Contains("symbolic link"));
  }
}

}  // namespace

TEST_CASE("OutputDir writes a file whole and leaves nothing else behind", "[io][output]") {
  const TempDir dir;
  const OutputDir out = OutputDir::open(dir.path);
  out.write_file("a.txt", "first");
  out.write_file("a.txt", "second");
  CHECK(read_bytes(dir.path / "a.txt") == "second");
  CHECK(names_in(dir.path) == std::set<std::string>{"a.txt"});
  CHECK((fs::status(dir.path / "a.txt").permissions() & fs::perms::others_write) ==
        fs::perms::none);
  const OutputDir sub = out.subdirectory("sub");
  sub.write_file("b.txt", "inside");
  CHECK(read_bytes(dir.path / "sub" / "b.txt") == "inside");
  CHECK(sub.path() == dir.path / "sub");
  CHECK(out.remove("a.txt"));
  CHECK_FALSE(out.remove("a.txt"));
  CHECK_THROWS_AS(out.write_file("../escape.txt", "x"), IoError);
  CHECK_THROWS_AS(out.subdirectory(".."), IoError);
  CHECK_FALSE(fs::exists(dir.path.parent_path() / "escape.txt"));
}

TEST_CASE("OutputDir refuses a file name that is a symbolic link, dangling or not",
          "[io][output]") {
  const TempDir dir, outside;
  write_bytes(outside.path / "precious", "keep me");
  fs::create_symlink(outside.path / "precious", dir.path / "to-file.npy");
  fs::create_symlink(outside.path / "created", dir.path / "dangling.npy");
  const OutputDir out = OutputDir::open(dir.path);
  require_link_refusal([&] { out.write_file("to-file.npy", "x"); }, dir.path / "to-file.npy");
  require_link_refusal(
      [&] { lumen::write_npy(dir.path / "dangling.npy", lumen::Tensor({2}, 1.0F)); },
      dir.path / "dangling.npy");
  CHECK(read_bytes(outside.path / "precious") == "keep me");
  CHECK(names_in(outside.path) == std::set<std::string>{"precious"});
  CHECK(fs::is_symlink(dir.path / "to-file.npy"));
  CHECK(names_in(dir.path) == std::set<std::string>{"to-file.npy", "dangling.npy"});
}

TEST_CASE("OutputDir refuses a subdirectory that is a symbolic link and writes nothing there",
          "[io][output]") {
  const TempDir dir, outside;
  fs::create_directory_symlink(outside.path, dir.path / "gallery");
  write_bytes(dir.path / "plots", "a file");
  const OutputDir out = OutputDir::open(dir.path);
  require_link_refusal([&] { out.subdirectory("gallery"); }, dir.path / "gallery");
  try {
    out.subdirectory("plots");
    FAIL("a file taken for a directory");
  } catch (const IoError& e) {
    CHECK_THAT(e.what(), Contains((dir.path / "plots").string()) && Contains("not a directory"));
  }
  CHECK(fs::is_empty(outside.path));
}

TEST_CASE("the directory the user names may itself be a symbolic link", "[io][output]") {
  const TempDir dir, real;
  fs::create_directory_symlink(real.path, dir.path / "chosen");
  OutputDir::create(dir.path / "chosen").write_file("x.txt", "yes");
  CHECK(read_bytes(real.path / "x.txt") == "yes");
  CHECK_THROWS_AS(OutputDir::open(dir.path / "missing"), IoError);
}

TEST_CASE("links planted at temporary names never receive a write", "[io][output]") {
  const TempDir dir, outside;
  write_bytes(outside.path / "precious", "keep me");
  // The names the temporaries once had (".NAME.tmp-PID-COUNTER"), and a few more.
  std::set<std::string> planted;
  for (int counter = 0; counter < 200; ++counter) {
    const std::string name =
        ".x.npy.tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter);
    fs::create_symlink(outside.path / (counter % 2 == 0 ? "precious" : "created"), dir.path / name);
    planted.insert(name);
  }
  lumen::write_npy(dir.path / "x.npy", lumen::Tensor({3}, 2.0F));
  CHECK(lumen::read_npy(dir.path / "x.npy").values()[2] == 2.0F);
  CHECK(read_bytes(outside.path / "precious") == "keep me");
  CHECK(names_in(outside.path) == std::set<std::string>{"precious"});
  planted.insert("x.npy");
  CHECK(names_in(dir.path) == planted);
}

TEST_CASE("AppendFile appends, reads and truncates, and is never opened through a link",
          "[io][output]") {
  const TempDir dir, outside;
  const OutputDir out = OutputDir::open(dir.path);
  {
    lumen::AppendFile file = out.open_append("log");
    file.append("one\n");
    file.append("two\n");
    CHECK(file.read() == "one\ntwo\n");
    file.truncate(4);
    file.append("three\n");
    CHECK(file.read() == "one\nthree\n");
  }
  CHECK(out.open_append("log").read() == "one\nthree\n");

  write_bytes(outside.path / "precious", "keep me");
  fs::create_symlink(outside.path / "precious", dir.path / "to-file");
  fs::create_symlink(outside.path / "created", dir.path / "dangling");
  require_link_refusal([&] { out.open_append("to-file"); }, dir.path / "to-file");
  require_link_refusal([&] { out.open_append("dangling"); }, dir.path / "dangling");
  CHECK(read_bytes(outside.path / "precious") == "keep me");
  CHECK(names_in(outside.path) == std::set<std::string>{"precious"});

  REQUIRE(::mkfifo((dir.path / "fifo").c_str(), 0600) == 0);
  CHECK_THROWS_WITH(out.open_append("fifo"), Contains("not a regular file"));
}

TEST_CASE("an output that is one of the inputs is refused, naming both", "[io][output]") {
  const TempDir dir;
  write_bytes(dir.path / "input.npy", "data");
  fs::create_symlink(dir.path / "input.npy", dir.path / "alias.npy");
  fs::create_directory(dir.path / "sub");
  const std::vector<fs::path> inputs{dir.path / "model.onnx", dir.path / "input.npy"};
  for (const fs::path& same :
       {dir.path / "input.npy", dir.path / "alias.npy", dir.path / "sub" / ".." / "input.npy"}) {
    INFO(same);
    CHECK_THROWS_WITH(lumen::refuse_input_as_output(same, inputs),
                      Contains(same.string()) && Contains((dir.path / "input.npy").string()));
  }
  CHECK_THROWS_AS(lumen::refuse_input_as_output(dir.path / "model.onnx", inputs),
                  lumen::InvalidArgument);
  CHECK_NOTHROW(lumen::refuse_input_as_output(dir.path / "out.npy", inputs));
  CHECK_NOTHROW(lumen::refuse_input_as_output(dir.path / "sub", inputs));
  CHECK_NOTHROW(lumen::refuse_input_as_output(dir.path / "out.npy", {fs::path()}));
  CHECK(read_bytes(dir.path / "input.npy") == "data");
}
