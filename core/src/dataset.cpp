#include "lumen/dataset.hpp"

#include "lumen/error.hpp"

namespace lumen {

Dataset::~Dataset() = default;
DatasetKind::~DatasetKind() = default;

DatasetSpec parse_dataset_spec(std::string_view text) {
  const auto quoted = [&] { return "dataset '" + std::string(text) + "'"; };
  const auto colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    throw InvalidArgument(quoted() +
                          ": expected KIND:LOCATION[?name=value&...], e.g. mstar:/data/mstar or "
                          "synthetic-sar:?n=2000");
  }
  DatasetSpec spec;
  spec.kind = std::string(text.substr(0, colon));
  const std::string_view rest = text.substr(colon + 1);
  const auto question = rest.find('?');
  spec.location = std::string(rest.substr(0, question));
  if (question == std::string_view::npos) return spec;
  std::string_view options = rest.substr(question + 1);
  while (!options.empty()) {
    const auto amp = options.find('&');
    const std::string_view option = options.substr(0, amp);
    const auto eq = option.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      throw InvalidArgument(quoted() + ": option '" + std::string(option) + "' is not name=value");
    }
    const std::string name(option.substr(0, eq));
    if (!spec.options.emplace(name, std::string(option.substr(eq + 1))).second) {
      throw InvalidArgument(quoted() + ": option '" + name + "' is given twice");
    }
    options = amp == std::string_view::npos ? std::string_view() : options.substr(amp + 1);
  }
  return spec;
}

}  // namespace lumen
