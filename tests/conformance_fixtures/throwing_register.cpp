// Breaks loading: its registration throws (LUMEN_PLUGIN turns that into an error code).
#include <lumen/error.hpp>
#include <lumen/plugin.hpp>

namespace {

void fill(lumen::Registrar&) {
  throw lumen::InvalidArgument("fixture-throwing-register fails to register on purpose");
}

}  // namespace

LUMEN_PLUGIN("fixture-throwing-register", "1.0", fill)
