// Fuzzes the MSTAR reader as the mstar dataset uses it: parse a chip file, then prepare the chip
// with the default preparation. Any bytes give a finite [1,64,64] chip or lumen's refusal.
#include <cmath>
#include <lumen/error.hpp>
#include <stdexcept>
#include <string_view>

#include "chip_preparation.hpp"
#include "phoenix_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const auto chip = lumen::mstar::parse_phoenix({reinterpret_cast<const char*>(data), size});
    const lumen::mstar::Preparation preparation;
    const lumen::Tensor x =
        lumen::mstar::prepare_chip(chip.magnitude, chip.rows, chip.columns, preparation);
    if (x.shape() != lumen::Shape{1, preparation.size, preparation.size}) {
      throw std::logic_error("prepare_chip returned the shape " + lumen::to_string(x.shape()));
    }
    for (std::int64_t i = 0; i < x.size(); ++i) {
      if (!std::isfinite(x[i])) throw std::logic_error("prepare_chip returned a non-finite value");
    }
  } catch (const lumen::Error&) {
    // the documented refusal of bad bytes
  }
  return 0;
}
