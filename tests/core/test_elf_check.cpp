#include <elf.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <lumen/plugin_loader.hpp>

using Catch::Contains;
using lumen::shared_library_problem;

namespace {

std::vector<std::byte> good_plugin() {
  std::ifstream in(std::filesystem::path(LUMEN_FIXTURE_DIR) / "liblumen-fixture-good.so",
                   std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  REQUIRE(!text.empty());
  const auto* begin = reinterpret_cast<const std::byte*>(text.data());
  return {begin, begin + text.size()};
}

template <typename Header>
Header get(const std::vector<std::byte>& file, std::uint64_t offset) {
  Header h;
  std::memcpy(&h, file.data() + offset, sizeof h);
  return h;
}

template <typename Header>
void put(std::vector<std::byte>& file, std::uint64_t offset, const Header& h) {
  std::memcpy(file.data() + offset, &h, sizeof h);
}

// The good fixture with its ELF header changed by `change`.
template <typename Change>
std::vector<std::byte> with_header(Change change) {
  auto file = good_plugin();
  auto h = get<Elf64_Ehdr>(file, 0);
  change(h);
  put(file, 0, h);
  return file;
}

// The good fixture with the first program header of `type` changed by `change`.
template <typename Change>
std::vector<std::byte> with_segment(Elf64_Word type, Change change) {
  auto file = good_plugin();
  const auto h = get<Elf64_Ehdr>(file, 0);
  for (std::uint64_t i = 0; i < h.e_phnum; ++i) {
    const auto at = h.e_phoff + i * sizeof(Elf64_Phdr);
    auto p = get<Elf64_Phdr>(file, at);
    if (p.p_type != type) continue;
    change(p);
    put(file, at, p);
    return file;
  }
  FAIL("the fixture has no segment of type " << type);
  return file;
}

std::string problem(const std::vector<std::byte>& file) {
  const auto p = shared_library_problem(file);
  REQUIRE(p.has_value());
  return *p;
}

constexpr auto huge = std::numeric_limits<std::uint64_t>::max();

}  // namespace

TEST_CASE("a built plugin passes the ELF checks", "[loader][elf]") {
  CHECK(shared_library_problem(good_plugin()) == std::nullopt);
}

TEST_CASE("a plugin cut short anywhere is refused, naming what runs past the end",
          "[loader][elf]") {
  const auto file = good_plugin();
  const auto h = get<Elf64_Ehdr>(file, 0);
  const std::size_t headers = h.e_phoff + h.e_phnum * sizeof(Elf64_Phdr);
  const auto cut = [&](std::size_t size) {
    return problem(std::vector<std::byte>(file.begin(), file.begin() + size));
  };
  CHECK_THAT(cut(0), Contains("not an ELF file"));
  CHECK_THAT(cut(3), Contains("not an ELF file"));
  CHECK_THAT(cut(63), Contains("truncated: 63 bytes, shorter than an ELF header"));
  CHECK_THAT(cut(64), Contains("program header table") && Contains("truncated"));
  CHECK_THAT(cut(headers), Contains("segment 0 (LOAD") && Contains("truncated"));
  CHECK_THAT(cut(5000), Contains("truncated"));
  CHECK_THAT(cut(file.size() - 1), Contains("section header table") && Contains("truncated"));
}

TEST_CASE("an ELF file this host cannot load as a plugin is refused, saying why", "[loader][elf]") {
  CHECK_THAT(problem(with_header([](Elf64_Ehdr& h) { h.e_ident[EI_CLASS] = ELFCLASS32; })),
             Contains("not a 64-bit ELF file"));
  CHECK_THAT(problem(with_header([](Elf64_Ehdr& h) { h.e_ident[EI_DATA] = ELFDATA2MSB; })),
             Contains("byte order"));
  CHECK_THAT(problem(with_header([](Elf64_Ehdr& h) { h.e_ident[EI_VERSION] = 2; })),
             Contains("unknown ELF version 2"));
  CHECK_THAT(problem(with_header([](Elf64_Ehdr& h) { h.e_version = 7; })),
             Contains("unknown ELF version 7"));
  CHECK_THAT(problem(with_header([](Elf64_Ehdr& h) { h.e_type = ET_EXEC; })),
             Contains("not a shared library (ELF type 2)"));
  CHECK_THAT(problem(with_header([](Elf64_Ehdr& h) { h.e_machine = EM_S390; })),
             Contains("another machine (ELF machine 22"));
  CHECK_THAT(problem(with_header([](Elf64_Ehdr& h) { h.e_phentsize = 32; })),
             Contains("program header size 32"));
  CHECK_THAT(problem(with_header([](Elf64_Ehdr& h) { h.e_phnum = 0; })),
             Contains("program header count 0"));
  CHECK_THAT(problem(with_header([](Elf64_Ehdr& h) { h.e_shentsize = 1; })),
             Contains("section header size 1"));
  CHECK_THAT(problem(with_header([](Elf64_Ehdr& h) { h.e_shoff = 0; })),
             Contains("section header table at offset 0"));
}

TEST_CASE("offsets near 2^64 are refused, not wrapped around", "[loader][elf]") {
  CHECK_THAT(problem(with_header([](Elf64_Ehdr& h) { h.e_phoff = huge - 8; })),
             Contains("program header table") && Contains("truncated"));
  CHECK_THAT(problem(with_header([](Elf64_Ehdr& h) { h.e_shoff = huge - 8; })),
             Contains("section header table") && Contains("truncated"));
  CHECK_THAT(problem(with_segment(PT_LOAD, [](Elf64_Phdr& p) { p.p_offset = huge - 8; })),
             Contains("segment 0 (LOAD") && Contains("truncated"));
  CHECK_THAT(problem(with_segment(PT_LOAD, [](Elf64_Phdr& p) { p.p_filesz = huge; })),
             Contains("segment 0 (LOAD") && Contains("truncated"));
  CHECK_THAT(problem(with_segment(PT_DYNAMIC, [](Elf64_Phdr& p) { p.p_vaddr = huge - 8; })),
             Contains("dynamic segment lies outside every loadable segment"));
}

TEST_CASE("a shared object without loadable or dynamic segments is refused", "[loader][elf]") {
  CHECK_THAT(problem(with_segment(PT_DYNAMIC, [](Elf64_Phdr& p) { p.p_type = PT_NULL; })),
             Contains("0 dynamic segments"));
  auto no_load = good_plugin();
  const auto h = get<Elf64_Ehdr>(no_load, 0);
  for (std::uint64_t i = 0; i < h.e_phnum; ++i) {
    const auto at = h.e_phoff + i * sizeof(Elf64_Phdr);
    auto p = get<Elf64_Phdr>(no_load, at);
    if (p.p_type == PT_LOAD) p.p_type = PT_NULL;
    put(no_load, at, p);
  }
  CHECK_THAT(problem(no_load), Contains("no loadable segment"));
}
