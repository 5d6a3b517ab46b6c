// The ELF checks the plugin loader runs before dlopen. The dynamic loader trusts the headers: it
// maps each segment where the program headers say, and reading a page past the end of a
// truncated file raises SIGBUS in the host. Every number here comes from the file, so each is
// bounded before it is used in arithmetic.
#include <elf.h>

#include <bit>
#include <cstring>

#include "lumen/plugin_loader.hpp"

namespace lumen {
namespace {

static_assert(sizeof(void*) == 8, "lumen checks 64-bit ELF plugins only");

#if defined(__x86_64__)
constexpr Elf64_Half host_machine = EM_X86_64;
#elif defined(__aarch64__)
constexpr Elf64_Half host_machine = EM_AARCH64;
#elif defined(__riscv)
constexpr Elf64_Half host_machine = EM_RISCV;
#elif defined(__powerpc64__)
constexpr Elf64_Half host_machine = EM_PPC64;
#else
#error "add this machine's EM_ value from <elf.h>"
#endif
constexpr unsigned char host_data =
    std::endian::native == std::endian::little ? ELFDATA2LSB : ELFDATA2MSB;

using Bytes = std::span<const std::byte>;

// Whether `count` entries of `entry_size` bytes from `offset` lie inside `size` bytes.
bool inside(std::uint64_t offset, std::uint64_t count, std::uint64_t entry_size,
            std::uint64_t size) {
  if (entry_size != 0 && count > size / entry_size) return false;
  const std::uint64_t bytes = count * entry_size;
  return offset <= size - bytes;
}

// A header read from the file; the caller has checked that it lies inside.
template <typename Header>
Header read(Bytes file, std::uint64_t offset) {
  Header h;
  std::memcpy(&h, file.data() + offset, sizeof h);
  return h;
}

std::string segment_name(Elf64_Word type) {
  switch (type) {
    case PT_LOAD: return "LOAD";
    case PT_DYNAMIC: return "DYNAMIC";
    default: return "of type " + std::to_string(type);
  }
}

std::optional<std::string> identity_problem(Bytes file) {
  if (file.size() < SELFMAG || std::memcmp(file.data(), ELFMAG, SELFMAG) != 0) {
    return "not an ELF file (no ELF magic bytes)";
  }
  if (file.size() < sizeof(Elf64_Ehdr)) {
    return "truncated: " + std::to_string(file.size()) + " bytes, shorter than an ELF header";
  }
  const auto ident = file.subspan(0, EI_NIDENT);
  const auto at = [&](int i) { return static_cast<unsigned char>(ident[i]); };
  if (at(EI_CLASS) != ELFCLASS64) {
    return "not a 64-bit ELF file (ELF class " + std::to_string(at(EI_CLASS)) + ")";
  }
  if (at(EI_DATA) != host_data) {
    return "ELF byte order " + std::to_string(at(EI_DATA)) + " is not this host's";
  }
  if (at(EI_VERSION) != EV_CURRENT) {
    return "unknown ELF version " + std::to_string(at(EI_VERSION));
  }
  return std::nullopt;
}

std::optional<std::string> section_table_problem(Bytes file, const Elf64_Ehdr& h) {
  const std::uint64_t size = file.size();
  if (h.e_shoff == 0) {
    if (h.e_shnum == 0) return std::nullopt;  // no section headers (a stripped file may have none)
    return "section header table at offset 0, over the ELF header";
  }
  if (h.e_shentsize != sizeof(Elf64_Shdr)) {
    return "section header size " + std::to_string(h.e_shentsize) + " is not " +
           std::to_string(sizeof(Elf64_Shdr));
  }
  std::uint64_t count = h.e_shnum;
  if (count == 0) {  // more than SHN_LORESERVE sections: the count is in section 0's sh_size
    if (!inside(h.e_shoff, 1, sizeof(Elf64_Shdr), size)) {
      return "section header 0 at offset " + std::to_string(h.e_shoff) +
             " is past the end of the file (" + std::to_string(size) + " bytes): truncated";
    }
    count = read<Elf64_Shdr>(file, h.e_shoff).sh_size;
  }
  if (!inside(h.e_shoff, count, sizeof(Elf64_Shdr), size)) {
    return "section header table (" + std::to_string(count) + " entries at offset " +
           std::to_string(h.e_shoff) + ") runs past the end of the file (" + std::to_string(size) +
           " bytes): truncated";
  }
  return std::nullopt;
}

// Whether the dynamic segment's bytes are part of a loaded segment's file content, where the
// dynamic loader reads them after mapping.
bool mapped_by(const Elf64_Phdr& dynamic, const Elf64_Phdr& load) {
  if (dynamic.p_vaddr < load.p_vaddr) return false;
  const std::uint64_t start = dynamic.p_vaddr - load.p_vaddr;
  return start <= load.p_filesz && dynamic.p_filesz <= load.p_filesz - start;
}

std::optional<std::string> segments_problem(Bytes file, const Elf64_Ehdr& h) {
  const std::uint64_t size = file.size();
  if (h.e_phentsize != sizeof(Elf64_Phdr)) {
    return "program header size " + std::to_string(h.e_phentsize) + " is not " +
           std::to_string(sizeof(Elf64_Phdr));
  }
  if (h.e_phnum == 0 || h.e_phnum == PN_XNUM) {
    return "program header count " + std::to_string(h.e_phnum) + " is not supported";
  }
  if (!inside(h.e_phoff, h.e_phnum, sizeof(Elf64_Phdr), size)) {
    return "program header table (" + std::to_string(h.e_phnum) + " entries at offset " +
           std::to_string(h.e_phoff) + ") runs past the end of the file (" + std::to_string(size) +
           " bytes): truncated";
  }
  std::vector<Elf64_Phdr> loads, dynamics;
  for (std::uint64_t i = 0; i < h.e_phnum; ++i) {
    const auto p = read<Elf64_Phdr>(file, h.e_phoff + i * sizeof(Elf64_Phdr));
    if (!inside(p.p_offset, 1, p.p_filesz, size)) {
      return "segment " + std::to_string(i) + " (" + segment_name(p.p_type) + ", " +
             std::to_string(p.p_filesz) + " bytes at offset " + std::to_string(p.p_offset) +
             ") runs past the end of the file (" + std::to_string(size) + " bytes): truncated";
    }
    if (p.p_type == PT_LOAD) loads.push_back(p);
    if (p.p_type == PT_DYNAMIC) dynamics.push_back(p);
  }
  if (loads.empty()) return "no loadable segment";
  if (dynamics.size() != 1) {
    return std::to_string(dynamics.size()) + " dynamic segments instead of one";
  }
  for (const auto& load : loads) {
    if (mapped_by(dynamics[0], load)) return std::nullopt;
  }
  return "the dynamic segment lies outside every loadable segment";
}

}  // namespace

std::optional<std::string> shared_library_problem(std::span<const std::byte> file) {
  if (auto problem = identity_problem(file)) return problem;
  const auto h = read<Elf64_Ehdr>(file, 0);
  if (h.e_version != EV_CURRENT) return "unknown ELF version " + std::to_string(h.e_version);
  if (h.e_type != ET_DYN) {
    return "not a shared library (ELF type " + std::to_string(h.e_type) + ")";
  }
  if (h.e_machine != host_machine) {
    return "built for another machine (ELF machine " + std::to_string(h.e_machine) +
           ", this host is " + std::to_string(host_machine) + ")";
  }
  if (auto problem = segments_problem(file, h)) return problem;
  return section_table_problem(file, h);
}

}  // namespace lumen
