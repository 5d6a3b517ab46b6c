// Fuzzes read_npy: any bytes give a tensor that holds what its shape says, or lumen's refusal.
#include <lumen/error.hpp>
#include <lumen/io.hpp>
#include <stdexcept>

#include "memory_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static lumen::fuzz::MemoryFile file;
  file.write(data, size);
  try {
    const lumen::Tensor t = lumen::read_npy(file.path());
    if (t.size() != lumen::element_count(t.shape())) {
      throw std::logic_error("read_npy returned a tensor whose size is not its shape's");
    }
  } catch (const lumen::Error&) {
    // the documented refusal of bad bytes
  }
  return 0;
}
