// Fuzzes the plugin loader's ELF checks (shared_library_problem) on the bytes of a file. They
// throw nothing: any bytes give a reason or none.
#include <cstddef>
#include <cstdint>
#include <lumen/plugin_loader.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  (void)lumen::shared_library_problem({reinterpret_cast<const std::byte*>(data), size});
  return 0;
}
