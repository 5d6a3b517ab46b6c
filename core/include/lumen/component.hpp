#pragma once
/// Component: a registered item that an explanation used besides its method.
#include <compare>
#include <string>

namespace lumen {

/// A registered item, other than the method itself, that made an attribution: a rule, composite,
/// canonizer or another explainer, so that records can name the plugin file that supplied it.
struct Component {
  std::string kind;  ///< "rule", "composite", "canonizer" or "explainer"
  std::string name;  ///< its registered name; a composite read from a JSON file: the file's path
  auto operator<=>(const Component&) const = default;
};

}  // namespace lumen
