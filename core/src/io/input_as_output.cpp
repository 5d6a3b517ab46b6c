#include "io/quoted.hpp"
#include "lumen/error.hpp"
#include "lumen/output_dir.hpp"

namespace lumen {
namespace {

namespace fs = std::filesystem;

bool same_place(const fs::path& a, const fs::path& b) {
  std::error_code ec_a, ec_b, ec;
  const fs::path canonical_a = fs::weakly_canonical(a, ec_a);
  const fs::path canonical_b = fs::weakly_canonical(b, ec_b);
  if (!ec_a && !ec_b && canonical_a == canonical_b) return true;
  return fs::equivalent(a, b, ec);  // false, with ec set, when either does not exist
}

}  // namespace

void refuse_input_as_output(const fs::path& output, const std::vector<fs::path>& inputs) {
  if (output.empty()) return;
  for (const fs::path& input : inputs) {
    if (!input.empty() && same_place(output, input)) {
      throw InvalidArgument("refusing to write " + io_detail::quoted(output) +
                            ": it is the input " + io_detail::quoted(input) +
                            "; choose another output");
    }
  }
}

}  // namespace lumen
